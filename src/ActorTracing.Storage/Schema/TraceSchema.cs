using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorTracing.Storage;

/// <summary>
/// The ClickHouse schema spans are stored in: the OpenTelemetry Collector clickhouseexporter's
/// <c>otel_traces</c> table, its <c>otel_traces_trace_id_ts</c> lookup table and the materialized
/// view filling it (exporter/clickhouseexporter, internal/sqltemplates traces_table.sql /
/// traces_id_ts_lookup_*.sql): upstream's column names, order and insert format, so Grafana's
/// ClickHouse plugin and anything written for the collector's tables reads ours unchanged. Some
/// String columns are LowCardinality(String) here and the sort order differs (see
/// <see cref="CreateTracesTableSql"/>); neither is visible to SQL or to an INSERT. Our own columns
/// (Region, SamplingReason, SampleRate) come last, where readers of the upstream shape ignore them.
/// Beside them, our own <c>otel_trace_summaries</c>: one row per kept trace, written at its decision
/// (<see cref="TraceSummaryRowEncoder"/>), read by <see cref="ClickHouseSpanReader.GetTraceSummariesAsync"/>.
/// </summary>
public sealed partial class TraceSchema
{
    public const string DefaultDatabase = "otel";
    public const int DefaultTtlDays = 3;
    public const string TracesTable = "otel_traces";
    public const string TraceIdTsTable = "otel_traces_trace_id_ts";
    public const string TraceIdTsView = "otel_traces_trace_id_ts_mv";
    public const string TraceSummariesTable = "otel_trace_summaries";

    /// <summary>The primary key of <see cref="TracesTable"/>: its sorting key without Timestamp (see <see cref="CreateTracesTableSql"/>).</summary>
    public const string TracesPrimaryKey = "toStartOfTenMinutes(Timestamp), SamplingReason, TraceId";

    /// <summary>How <see cref="TracesTable"/> is sorted: each trace's spans together, in start order.</summary>
    public const string TracesSortingKey = TracesPrimaryKey + ", Timestamp";

    /// <summary>The aggregate projection of <see cref="TracesTable"/> that service and operation lists are read from.</summary>
    public const string OperationsProjection = "operations";

    /// <summary>The columns the upstream exporter inserts, in its order (traces_insert.sql).</summary>
    public static readonly IReadOnlyList<string> UpstreamInsertColumns =
    [
        "Timestamp",
        "TraceId",
        "SpanId",
        "ParentSpanId",
        "TraceState",
        "SpanName",
        "SpanKind",
        "ServiceName",
        "ResourceAttributes",
        "ScopeName",
        "ScopeVersion",
        "SpanAttributes",
        "Duration",
        "StatusCode",
        "StatusMessage",
        "Events.Timestamp",
        "Events.Name",
        "Events.Attributes",
        "Links.TraceId",
        "Links.SpanId",
        "Links.TraceState",
        "Links.Attributes",
    ];

    /// <summary>Columns ActorTracing adds after the upstream ones.</summary>
    public static readonly IReadOnlyList<string> ExtensionColumns = ["Region", "SamplingReason", "SampleRate"];

    /// <summary>
    /// The explicit INSERT column list; <see cref="SpanRowEncoder"/> writes each row's fields in
    /// exactly this order, so the two must change together.
    /// </summary>
    public static readonly IReadOnlyList<string> InsertColumns = [.. UpstreamInsertColumns, .. ExtensionColumns];

    /// <summary>
    /// The INSERT column list of <see cref="TraceSummariesTable"/>, the same in both flavors (only the
    /// type of Timestamp differs); <see cref="TraceSummaryRowEncoder"/> writes each row's fields in
    /// exactly this order. Nested columns are inserted as their parallel arrays.
    /// </summary>
    public static readonly IReadOnlyList<string> SummaryInsertColumns =
    [
        "TraceId",
        "GroupId",
        "Timestamp",
        "Duration",
        "SpanCount",
        "Regions",
        "Edges.ParentSpanId",
        "Edges.SpanId",
        "Edges.ParentRegion",
        "Edges.Region",
        "Edges.SkewNs",
        "ArrivalLag.Region",
        "ArrivalLag.LagMs",
        "MaxSkewNs",
        "CompletionReason",
        "SamplingReason",
        "SampleRate",
    ];

    public TraceSchema(string database = DefaultDatabase, int ttlDays = DefaultTtlDays)
    {
        if (!IsValidIdentifier(database))
        {
            throw new ArgumentException($"'{database}' is not a valid database name: use letters, digits and '_', not starting with a digit.", nameof(database));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(ttlDays);
        Database = database;
        TtlDays = ttlDays;
    }

    public string Database { get; }

    /// <summary>Days rows are kept (TTL on the span start); 0 keeps them forever.</summary>
    public int TtlDays { get; }

    /// <summary><c>db.otel_traces</c>, always qualified: a bare name may resolve to a file in chDB's working directory.</summary>
    public string QualifiedTracesTable => Qualify(TracesTable);

    public string QualifiedTraceIdTsTable => Qualify(TraceIdTsTable);

    public string QualifiedTraceSummariesTable => Qualify(TraceSummariesTable);

    /// <summary>The INSERT (without FORMAT) for rows encoded by <see cref="SpanRowEncoder"/>.</summary>
    public string InsertSql => $"INSERT INTO {QualifiedTracesTable} ({string.Join(", ", InsertColumns)})";

    /// <summary>The INSERT (without FORMAT) for rows encoded by <see cref="TraceSummaryRowEncoder"/>.</summary>
    public string SummaryInsertSql => SummaryInsert(QualifiedTraceSummariesTable);

    public static bool IsValidIdentifier(string? name) => name is not null && IdentifierPattern().IsMatch(name);

    /// <summary>All statements, in the order they must run (the view needs both tables).</summary>
    public IReadOnlyList<string> CreateStatements() =>
        [CreateDatabaseSql(), CreateTracesTableSql(), CreateTraceIdTsTableSql(), CreateTraceIdTsViewSql(), CreateTraceSummariesTableSql()];

    /// <summary>Creates whatever of the schema is missing; safe to run on every start.</summary>
    public void Apply(ChdbEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        foreach (var statement in CreateStatements())
        {
            engine.Execute(statement);
        }
    }

    public string CreateDatabaseSql() => $"CREATE DATABASE IF NOT EXISTS `{Database}`";

    /// <summary>
    /// The spans table, laid out for bytes on disk: about 28 B per kept span on the benchmark's
    /// traffic once merged, against 55 B with upstream's layout (StorageSizeSpec measures it; every
    /// choice below was measured on merged parts of real benchmark runs).
    /// <list type="bullet">
    /// <item>A trace's spans are stored together (sorted by ten-minute bucket, SamplingReason,
    /// TraceId, start): TraceId then costs ~3 B a span instead of ~12, a parent id repeats its
    /// siblings' and the start times are small deltas. SamplingReason is the same on every span of
    /// a decision, so sorting on it keeps traces whole while putting alike traces (errors, sampled
    /// API calls...) next to each other: ~1 B a span less on names and attributes. Upstream's
    /// (ServiceName, SpanName, time) spreads each trace over the whole part.</item>
    /// <item>The primary key leaves Timestamp out: with it in the key ClickHouse matches a time range
    /// against that last column and skips nothing; without it the range prunes on the bucket.
    /// Trace-by-id reads find TraceId in the key within each bucket and reason, which replaces
    /// upstream's TraceId bloom filter (1.3 B a span in upstream's layout).</item>
    /// <item>Attribute values, scope and the other repeated strings are LowCardinality: the same to
    /// SQL and in RowBinary (tables created before this layout still take our rows), ~6 B a span
    /// less than String values, whose lengths ClickHouse keeps in a stream that compresses poorly.</item>
    /// <item>ZSTD(9) on everything but the ids: ~2 B a span less than ZSTD(1) for about the same
    /// insert CPU (higher levels doubled the merge CPU for 0.3 B). The hex ids are random, where
    /// ZSTD(1) does best, except SpanId: its length stream is constant, which level 1 compresses
    /// 40x worse than level 3 (0.25 B a span). Duration takes T64 (nanosecond durations have zero
    /// high bytes), Timestamp Delta (the gaps between a trace's starts).</item>
    /// <item>Parts over 1 MiB uncompressed (~5,000 spans) are wide. At ~200 B a span the default
    /// 10 MiB kept merged tables of up to 50,000 spans compact, which compress each column's granule
    /// alone: ~4 B a span more. No automatic statistics: our reads prune by partition and key, and
    /// the sketches cost ~18 KB a part plus a pass over every column at each merge.</item>
    /// </list>
    /// The price: a search by service or operation scans the time range it asks for (pruned to
    /// ten-minute buckets) instead of seeking on them in the key. The service and operation lists
    /// ask for no time range at all, so they are answered from the <see cref="OperationsProjection"/>
    /// (one row per service, name and kind in each part, ~6 KB) instead of scanning every span.
    /// </summary>
    public string CreateTracesTableSql() => $"""
        CREATE TABLE IF NOT EXISTS {QualifiedTracesTable} (
            Timestamp DateTime64(9) CODEC(Delta, ZSTD(9)),
            TraceId String CODEC(ZSTD(1)),
            SpanId String CODEC(ZSTD(3)),
            ParentSpanId String CODEC(ZSTD(1)),
            TraceState String CODEC(ZSTD(9)),
            SpanName LowCardinality(String) CODEC(ZSTD(9)),
            SpanKind LowCardinality(String) CODEC(ZSTD(9)),
            ServiceName LowCardinality(String) CODEC(ZSTD(9)),
            ResourceAttributes Map(LowCardinality(String), LowCardinality(String)) CODEC(ZSTD(9)),
            ScopeName LowCardinality(String) CODEC(ZSTD(9)),
            ScopeVersion LowCardinality(String) CODEC(ZSTD(9)),
            SpanAttributes Map(LowCardinality(String), LowCardinality(String)) CODEC(ZSTD(9)),
            Duration UInt64 CODEC(T64, ZSTD(9)),
            StatusCode LowCardinality(String) CODEC(ZSTD(9)),
            StatusMessage String CODEC(ZSTD(9)),
            Events Nested (
                Timestamp DateTime64(9),
                Name LowCardinality(String),
                Attributes Map(LowCardinality(String), LowCardinality(String))
            ) CODEC(ZSTD(9)),
            Links Nested (
                TraceId String,
                SpanId String,
                TraceState String,
                Attributes Map(LowCardinality(String), LowCardinality(String))
            ) CODEC(ZSTD(9)),
            Region LowCardinality(String) CODEC(ZSTD(9)),
            SamplingReason LowCardinality(String) CODEC(ZSTD(9)),
            SampleRate UInt32 CODEC(ZSTD(9)),
            INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
            PROJECTION {OperationsProjection} (SELECT ServiceName, SpanName, SpanKind, count() GROUP BY ServiceName, SpanName, SpanKind)
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        PRIMARY KEY ({TracesPrimaryKey})
        ORDER BY ({TracesSortingKey})
        {Ttl("toDateTime(Timestamp)")}
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, min_bytes_for_wide_part = 1048576, auto_statistics_types = ''
        """;

    public string CreateTraceIdTsTableSql() => $"""
        CREATE TABLE IF NOT EXISTS {QualifiedTraceIdTsTable} (
            TraceId String CODEC(ZSTD(1)),
            Start DateTime CODEC(Delta, ZSTD(1)),
            End DateTime CODEC(Delta, ZSTD(1)),
            INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Start)
        ORDER BY (TraceId, Start)
        {Ttl("toDateTime(Start)")}
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
        """;

    public string CreateTraceIdTsViewSql() => TraceIdTsViewSql(Qualify(TraceIdTsView), QualifiedTraceIdTsTable, QualifiedTracesTable);

    /// <summary>The lookup table's materialized view; the same statement in both flavors.</summary>
    internal static string TraceIdTsViewSql(string qualifiedView, string qualifiedLookup, string qualifiedTraces) => $"""
        CREATE MATERIALIZED VIEW IF NOT EXISTS {qualifiedView}
        TO {qualifiedLookup}
        AS SELECT
            TraceId,
            min(Timestamp) AS Start,
            max(Timestamp) AS End
        FROM {qualifiedTraces}
        WHERE TraceId != ''
        GROUP BY TraceId
        """;

    /// <summary>
    /// One row per kept trace. Sorted by TraceId because it is only ever looked up by trace id;
    /// partitioned and expired by day on the trace's start exactly like otel_traces, so a trace's
    /// summary lives as long as its spans.
    /// </summary>
    public string CreateTraceSummariesTableSql() => $"""
        CREATE TABLE IF NOT EXISTS {QualifiedTraceSummariesTable} (
            TraceId String CODEC(ZSTD(1)),
            GroupId String CODEC(ZSTD(1)),
            Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
            Duration UInt64 CODEC(ZSTD(1)),
            SpanCount UInt32 CODEC(ZSTD(1)),
            Regions Array(String) CODEC(ZSTD(1)),
            Edges Nested (
                ParentSpanId String,
                SpanId String,
                ParentRegion String,
                Region String,
                SkewNs Int64
            ) CODEC(ZSTD(1)),
            ArrivalLag Nested (
                Region String,
                LagMs UInt32
            ) CODEC(ZSTD(1)),
            MaxSkewNs Int64 CODEC(ZSTD(1)),
            CompletionReason String CODEC(ZSTD(1)),
            SamplingReason String CODEC(ZSTD(1)),
            SampleRate UInt32 CODEC(ZSTD(1))
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        ORDER BY (TraceId, Timestamp)
        {Ttl("toDateTime(Timestamp)")}
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
        """;

    /// <summary>The summary INSERT for <paramref name="qualifiedTable"/>; Nested sub-columns are quoted because of the dot.</summary>
    internal static string SummaryInsert(string qualifiedTable) =>
        $"INSERT INTO {qualifiedTable} ({string.Join(", ", SummaryInsertColumns.Select(c => $"`{c}`"))})";

    private string Qualify(string table) => $"`{Database}`.`{table}`";

    private string Ttl(string timeExpression) =>
        TtlDays > 0 ? string.Create(CultureInfo.InvariantCulture, $"TTL {timeExpression} + toIntervalDay({TtlDays})") : string.Empty;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();
}
