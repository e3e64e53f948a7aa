using System.Globalization;

namespace ActorTracing.Storage;

/// <summary>
/// <see cref="TraceSchema"/> for ClickHouse servers as old as 18.16 (<see cref="SchemaFlavor.Legacy"/>):
/// the same tables, logical columns and partitioning, in the types 18.16 has, sorted as upstream
/// sorts (by service, name and time; the embedded table's trace order has not been measured on 18.16).
/// <list type="bullet">
/// <item>No DateTime64: a time is <c>X DateTime</c> (seconds, for partitioning, sorting and the lookup
/// table) plus <c>XNanos UInt32</c>, the nanoseconds within that second; the exact Unix nanos are
/// <c>toUInt64(X) * 1000000000 + XNanos</c>.</item>
/// <item>No Map: a top-level map is <c>Nested(Key String, Value String)</c>, i.e. the parallel
/// columns <c>SpanAttributes.Key</c> / <c>SpanAttributes.Value</c> (value of k:
/// <c>SpanAttributes.Value[indexOf(SpanAttributes.Key, k)]</c>); inside Events and Links, where a
/// Nested cannot nest, the map is <c>AttributeKeys</c> / <c>AttributeValues</c> Array(Array(String)).</item>
/// <item>No LowCardinality (18.16 has it only behind allow_experimental_low_cardinality_type): String.</item>
/// <item>No column CODECs: compression is server-wide (the <c>&lt;compression&gt;</c> section of
/// config.xml; scripts/clickhouse-server.sh sets zstd, about 2x smaller than the lz4 default).</item>
/// <item>No TTL clause and no skip indexes (bloom_filter, minmax): the trace-id lookup table is how a
/// trace is found, and expired days are dropped by partition (<see cref="ExpiredPartitionsSql"/>).</item>
/// </list>
/// <c>otel_trace_summaries</c> has the columns of <see cref="TraceSchema.CreateTraceSummariesTableSql"/>
/// (String where that has LowCardinality, and a row for every kept trace: otel_traces has no
/// CompletionReason here to rebuild a summary from) with Timestamp a DateTime: whole seconds, as <see cref="ClickHouseSpanReader"/> reads it (a
/// summary's start is shown to the second; the spans keep the nanoseconds).
/// </summary>
public sealed class ServerTraceSchema
{
    /// <summary>
    /// The explicit INSERT column list; <see cref="SpanRowEncoder"/> with <see cref="SchemaFlavor.Legacy"/>
    /// writes each row's fields in exactly this order, so the two must change together.
    /// </summary>
    public static readonly IReadOnlyList<string> InsertColumns =
    [
        "Timestamp",
        "TimestampNanos",
        "TraceId",
        "SpanId",
        "ParentSpanId",
        "TraceState",
        "SpanName",
        "SpanKind",
        "ServiceName",
        "ResourceAttributes.Key",
        "ResourceAttributes.Value",
        "ScopeName",
        "ScopeVersion",
        "SpanAttributes.Key",
        "SpanAttributes.Value",
        "Duration",
        "StatusCode",
        "StatusMessage",
        "Events.Timestamp",
        "Events.TimestampNanos",
        "Events.Name",
        "Events.AttributeKeys",
        "Events.AttributeValues",
        "Links.TraceId",
        "Links.SpanId",
        "Links.TraceState",
        "Links.AttributeKeys",
        "Links.AttributeValues",
        .. TraceSchema.ExtensionColumns,
    ];

    public ServerTraceSchema(string database = TraceSchema.DefaultDatabase, int ttlDays = TraceSchema.DefaultTtlDays)
    {
        if (!TraceSchema.IsValidIdentifier(database))
        {
            throw new ArgumentException($"'{database}' is not a valid database name: use letters, digits and '_', not starting with a digit.", nameof(database));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(ttlDays);
        Database = database;
        TtlDays = ttlDays;
    }

    public string Database { get; }

    /// <summary>Days of partitions kept by <see cref="ExpiredPartitionsSql"/>; 0 keeps them forever.</summary>
    public int TtlDays { get; }

    public string QualifiedTracesTable => Qualify(TraceSchema.TracesTable);

    public string QualifiedTraceIdTsTable => Qualify(TraceSchema.TraceIdTsTable);

    public string QualifiedTraceSummariesTable => Qualify(TraceSchema.TraceSummariesTable);

    /// <summary>The INSERT (without FORMAT) for rows encoded by <see cref="SpanRowEncoder"/> with <see cref="SchemaFlavor.Legacy"/>.</summary>
    public string InsertSql => $"INSERT INTO {QualifiedTracesTable} ({string.Join(", ", InsertColumns.Select(c => $"`{c}`"))})";

    /// <summary>The INSERT (without FORMAT) for rows encoded by <see cref="TraceSummaryRowEncoder"/> with <see cref="SchemaFlavor.Legacy"/>.</summary>
    public string SummaryInsertSql => TraceSchema.SummaryInsert(QualifiedTraceSummariesTable);

    /// <summary>All statements, in the order they must run (the view needs both tables). Each is IF NOT EXISTS.</summary>
    public IReadOnlyList<string> CreateStatements() =>
        [CreateDatabaseSql(), CreateTracesTableSql(), CreateTraceIdTsTableSql(), CreateTraceIdTsViewSql(), CreateTraceSummariesTableSql()];

    public string CreateDatabaseSql() => $"CREATE DATABASE IF NOT EXISTS `{Database}`";

    public string CreateTracesTableSql() => $"""
        CREATE TABLE IF NOT EXISTS {QualifiedTracesTable} (
            Timestamp DateTime,
            TimestampNanos UInt32,
            TraceId String,
            SpanId String,
            ParentSpanId String,
            TraceState String,
            SpanName String,
            SpanKind String,
            ServiceName String,
            ResourceAttributes Nested (
                Key String,
                Value String
            ),
            ScopeName String,
            ScopeVersion String,
            SpanAttributes Nested (
                Key String,
                Value String
            ),
            Duration UInt64,
            StatusCode String,
            StatusMessage String,
            Events Nested (
                Timestamp DateTime,
                TimestampNanos UInt32,
                Name String,
                AttributeKeys Array(String),
                AttributeValues Array(String)
            ),
            Links Nested (
                TraceId String,
                SpanId String,
                TraceState String,
                AttributeKeys Array(String),
                AttributeValues Array(String)
            ),
            Region String,
            SamplingReason String,
            SampleRate UInt32
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        ORDER BY (ServiceName, SpanName, Timestamp)
        SETTINGS index_granularity = 8192
        """;

    public string CreateTraceIdTsTableSql() => $"""
        CREATE TABLE IF NOT EXISTS {QualifiedTraceIdTsTable} (
            TraceId String,
            Start DateTime,
            End DateTime
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Start)
        ORDER BY (TraceId, Start)
        SETTINGS index_granularity = 8192
        """;

    public string CreateTraceIdTsViewSql() => TraceSchema.TraceIdTsViewSql(Qualify(TraceSchema.TraceIdTsView), QualifiedTraceIdTsTable, QualifiedTracesTable);

    public string CreateTraceSummariesTableSql() => $"""
        CREATE TABLE IF NOT EXISTS {QualifiedTraceSummariesTable} (
            TraceId String,
            GroupId String,
            Timestamp DateTime,
            Duration UInt64,
            SpanCount UInt32,
            Regions Array(String),
            Edges Nested (
                ParentSpanId String,
                SpanId String,
                ParentRegion String,
                Region String,
                SkewNs Int64
            ),
            ArrivalLag Nested (
                Region String,
                LagMs UInt32
            ),
            MaxSkewNs Int64,
            CompletionReason String,
            SamplingReason String,
            SampleRate UInt32
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        ORDER BY (TraceId, Timestamp)
        SETTINGS index_granularity = 8192
        """;

    /// <summary>
    /// Lists the (table, partition) pairs of all three tables whose whole day is older than
    /// <see cref="TtlDays"/> before <paramref name="utcNow"/> — what a TTL with ttl_only_drop_parts
    /// would drop. Empty SQL when rows are kept forever.
    /// </summary>
    public string ExpiredPartitionsSql(DateTime utcNow)
    {
        if (TtlDays == 0)
        {
            return string.Empty;
        }
        // Day D's last row expires at D+1 00:00 + TtlDays, so D < today - TtlDays is wholly expired.
        // partition_id of a toDate partition is YYYYMMDD: it compares as a string in date order, and
        // unlike min_date/max_date (0 for custom partition keys in 18.x) it is always filled in.
        var cutoff = DateOnly.FromDateTime(utcNow).AddDays(-TtlDays).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        return $"SELECT DISTINCT table, partition_id FROM system.parts WHERE active AND database = '{Database}' " +
            $"AND table IN ('{TraceSchema.TracesTable}', '{TraceSchema.TraceIdTsTable}', '{TraceSchema.TraceSummariesTable}') AND partition_id < '{cutoff}' ORDER BY table, partition_id";
    }

    /// <summary>Drops one day; <paramref name="partitionId"/> is a system.parts.partition_id (YYYYMMDD, e.g. 20261125).</summary>
    public string DropPartitionSql(string table, string partitionId)
    {
        if (table is not (TraceSchema.TracesTable or TraceSchema.TraceIdTsTable or TraceSchema.TraceSummariesTable))
        {
            throw new ArgumentException($"'{table}' is not a table of this schema.", nameof(table));
        }
        if (!DateOnly.TryParseExact(partitionId, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            throw new ArgumentException($"'{partitionId}' is not the id of a toDate partition (YYYYMMDD).", nameof(partitionId));
        }
        return $"ALTER TABLE {Qualify(table)} DROP PARTITION ID '{partitionId}'";
    }

    private string Qualify(string table) => $"`{Database}`.`{table}`";
}
