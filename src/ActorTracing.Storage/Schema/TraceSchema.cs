using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorTracing.Storage;

/// <summary>
/// The ClickHouse schema spans are stored in: the OpenTelemetry Collector clickhouseexporter's
/// <c>otel_traces</c> table, its <c>otel_traces_trace_id_ts</c> lookup table and the materialized
/// view filling it, column for column as upstream creates them (exporter/clickhouseexporter,
/// internal/sqltemplates traces_table.sql / traces_id_ts_lookup_*.sql), so Grafana's ClickHouse
/// plugin and anything written for the collector's tables reads ours unchanged. Our own columns
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

    public string CreateTracesTableSql() => $"""
        CREATE TABLE IF NOT EXISTS {QualifiedTracesTable} (
            Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
            TraceId String CODEC(ZSTD(1)),
            SpanId String CODEC(ZSTD(1)),
            ParentSpanId String CODEC(ZSTD(1)),
            TraceState String CODEC(ZSTD(1)),
            SpanName LowCardinality(String) CODEC(ZSTD(1)),
            SpanKind LowCardinality(String) CODEC(ZSTD(1)),
            ServiceName LowCardinality(String) CODEC(ZSTD(1)),
            ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            ScopeName String CODEC(ZSTD(1)),
            ScopeVersion String CODEC(ZSTD(1)),
            SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            Duration UInt64 CODEC(ZSTD(1)),
            StatusCode LowCardinality(String) CODEC(ZSTD(1)),
            StatusMessage String CODEC(ZSTD(1)),
            Events Nested (
                Timestamp DateTime64(9),
                Name LowCardinality(String),
                Attributes Map(LowCardinality(String), String)
            ) CODEC(ZSTD(1)),
            Links Nested (
                TraceId String,
                SpanId String,
                TraceState String,
                Attributes Map(LowCardinality(String), String)
            ) CODEC(ZSTD(1)),
            Region LowCardinality(String) CODEC(ZSTD(1)),
            SamplingReason LowCardinality(String) CODEC(ZSTD(1)),
            SampleRate UInt32 CODEC(ZSTD(1)),
            INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
            INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_duration Duration TYPE minmax GRANULARITY 1
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
        {Ttl("toDateTime(Timestamp)")}
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
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

    public string CreateTraceIdTsViewSql() => $"""
        CREATE MATERIALIZED VIEW IF NOT EXISTS {Qualify(TraceIdTsView)}
        TO {QualifiedTraceIdTsTable}
        AS SELECT
            TraceId,
            min(Timestamp) AS Start,
            max(Timestamp) AS End
        FROM {QualifiedTracesTable}
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
