using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorTracing.Storage;

/// <summary>
/// The ClickHouse schema spans are stored in: the OpenTelemetry Collector clickhouseexporter's
/// <c>otel_traces</c> table and its <c>otel_traces_trace_id_ts</c> lookup (exporter/clickhouseexporter,
/// internal/sqltemplates traces_table.sql / traces_id_ts_lookup_*.sql): upstream's column names,
/// order and insert format, so Grafana's ClickHouse plugin and anything written for the collector's
/// tables reads ours unchanged. Some String columns are LowCardinality(String) here and the sort
/// order differs (see <see cref="CreateTracesTableSql"/>); neither is visible to SQL or to an
/// INSERT. The lookup is a plain view over otel_traces instead of upstream's table and materialized
/// view (see <see cref="CreateTraceIdTsViewSql"/>). Our own columns (Region, SamplingReason,
/// SampleRate, CompletionReason) come last, where readers of the upstream shape ignore them.
/// Beside them, our own <c>otel_trace_summaries</c>: a row for each kept trace whose summary the
/// span rows cannot rebuild (<see cref="DerivableSummaries"/>), written at its decision
/// (<see cref="TraceSummaryRowEncoder"/>), read by <see cref="ClickHouseSpanReader.GetTraceSummariesAsync"/>.
/// </summary>
public sealed partial class TraceSchema
{
    public const string DefaultDatabase = "otel";
    public const int DefaultTtlDays = 3;
    public const string TracesTable = "otel_traces";

    /// <summary>The trace-id lookup: a plain view here, a table filled by <see cref="TraceIdTsView"/> on servers.</summary>
    public const string TraceIdTsTable = "otel_traces_trace_id_ts";

    /// <summary>
    /// The materialized view filling the lookup table of the server flavor, and of embedded
    /// databases created before the lookup became a view (<see cref="Apply"/> drops it there).
    /// </summary>
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

    /// <summary>Columns ActorTracing adds after the upstream ones, in both flavors.</summary>
    public static readonly IReadOnlyList<string> ExtensionColumns = ["Region", "SamplingReason", "SampleRate"];

    /// <summary>
    /// Columns only this (the embedded) flavor adds, after <see cref="ExtensionColumns"/>:
    /// CompletionReason is the decision's completion reason on the span rows written at the
    /// decision ('' on late spans), what lets a summary be rebuilt from the span rows
    /// (<see cref="DerivableSummaries"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> DecisionColumns = ["CompletionReason"];

    /// <summary>
    /// The explicit INSERT column list; <see cref="SpanRowEncoder"/> writes each row's fields in
    /// exactly this order, so the two must change together.
    /// </summary>
    public static readonly IReadOnlyList<string> InsertColumns = [.. UpstreamInsertColumns, .. ExtensionColumns, .. DecisionColumns];

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

    /// <summary>The INSERT (without FORMAT) for rows encoded by <see cref="SpanRowEncoder"/>: into <see cref="TracesInputTable"/>, which fills otel_traces.</summary>
    public string InsertSql => InsertInto(Qualify(TracesInputTable), InsertColumns);

    /// <summary>The INSERT (without FORMAT) for rows encoded by <see cref="TraceSummaryRowEncoder"/>: into <see cref="TraceSummariesInputTable"/>, which fills otel_trace_summaries.</summary>
    public string SummaryInsertSql => InsertInto(Qualify(TraceSummariesInputTable), SummaryInsertColumns);

    public static bool IsValidIdentifier(string? name) => name is not null && IdentifierPattern().IsMatch(name);

    /// <summary>
    /// What brings an otel_traces created by an earlier layout up to this one; each is a no-op on a
    /// current table. Only metadata changes: the new column reads '' on old rows (so their summaries
    /// come from otel_trace_summaries, which has a row for every trace they decided), and the index
    /// is built for new parts and for parts as they merge, not for the old ones at once; the part
    /// format setting applies to parts written from then on.
    /// </summary>
    public IReadOnlyList<string> UpgradeStatements() =>
    [
        $"ALTER TABLE {QualifiedTracesTable} ADD COLUMN IF NOT EXISTS {CompletionReasonColumn}",
        $"ALTER TABLE {QualifiedTracesTable} ADD INDEX IF NOT EXISTS {TraceIdIndex}",
        $"ALTER TABLE {QualifiedTracesTable} MODIFY SETTING {MinRowsForWidePart}",
    ];

    /// <summary>
    /// Creates whatever of the schema is missing and upgrades what an earlier layout created; safe
    /// to run on every start. An earlier layout's lookup table and its materialized view are
    /// dropped for the view: they held nothing otel_traces does not (every row came from it through
    /// the materialized view), so the view answers the same queries with no data lost, and keeping
    /// them would cost every upgraded database ~3.7 B a span and a second write per insert for good.
    /// Inserts go through input tables (see TraceSchema.Input.cs), created last from the tables'
    /// columns as they are after the upgrade.
    /// </summary>
    public void Apply(ChdbEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        engine.Execute(CreateDatabaseSql());
        engine.Execute(CreateTracesTableSql());
        foreach (var statement in UpgradeStatements())
        {
            engine.Execute(statement);
        }
        // The materialized view first: dropped after its table, it would fail the inserts in between.
        engine.Execute($"DROP VIEW IF EXISTS {Qualify(TraceIdTsView)}");
        var lookupEngine = engine.Query($"SELECT engine FROM system.tables WHERE database = '{Database}' AND name = '{TraceIdTsTable}'").Trim();
        if (lookupEngine.Length > 0 && lookupEngine != "View")
        {
            engine.Execute($"DROP TABLE {QualifiedTraceIdTsTable}");
        }
        engine.Execute(CreateTraceIdTsViewSql());
        engine.Execute(CreateTraceSummariesTableSql());
        ApplyInputTable(engine, TracesTable, TracesInputTable, InsertColumns);
        ApplyInputTable(engine, TraceSummariesTable, TraceSummariesInputTable, SummaryInsertColumns);
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
    /// A trace-by-id read without a time range (the lookup view, <see cref="CreateTraceIdTsViewSql"/>)
    /// finds TraceId in the key within each bucket and reason, which still leaves one granule per
    /// bucket and reason that could hold the id; the TraceId bloom filter (upstream has one too)
    /// rules out all but ~1 % of those, for ~0.2 B a span (one filter per granule of ~1,400 traces).</item>
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
    /// the sketches cost ~18 KB a part plus a pass over every column at each merge. Parts of fewer
    /// than 20,000 rows stay compact whatever their size (<see cref="MinRowsForWidePart"/>).</item>
    /// </list>
    /// The price: a search by service or operation scans the time range it asks for (pruned to
    /// ten-minute buckets) instead of seeking on them in the key. The service and operation lists
    /// ask for no time range at all, so they are answered from the <see cref="OperationsProjection"/>
    /// (one row per service, name and kind in each part, ~6 KB) instead of scanning every span.
    /// CompletionReason (see <see cref="DecisionColumns"/>) is the same on every row of a decision:
    /// ~0.003 B a span. With the summaries, ~29.4 B a span in all on StorageSizeSpec's traffic.
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
            {CompletionReasonColumn},
            INDEX {TraceIdIndex},
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
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, min_bytes_for_wide_part = 1048576, {MinRowsForWidePart}, auto_statistics_types = ''
        """;

    /// <summary>
    /// The trace-id lookup as a plain view over otel_traces: upstream's name and columns (TraceId,
    /// Start, End: a trace's first and last span start, whole seconds) and the same answers as
    /// upstream's table, late spans included, for no bytes on disk. A reader's
    /// <c>WHERE TraceId = ...</c> is pushed into the view's GROUP BY, so it reads only the granules
    /// the primary key and the TraceId bloom filter leave (see <see cref="CreateTracesTableSql"/>).
    /// Upstream's table cost ~3.7 B a stored span: the trace id again, once per trace.
    /// </summary>
    public string CreateTraceIdTsViewSql() => $"""
        CREATE VIEW IF NOT EXISTS {QualifiedTraceIdTsTable}
        AS SELECT
            TraceId,
            toDateTime(min(Timestamp)) AS Start,
            toDateTime(max(Timestamp)) AS End
        FROM {QualifiedTracesTable}
        WHERE TraceId != ''
        GROUP BY TraceId
        """;

    /// <summary>The server flavor's lookup-table materialized view (<see cref="ServerTraceSchema"/>).</summary>
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
    /// One row per kept trace whose summary the span rows cannot rebuild (cross-region traces,
    /// correlation groups, see <see cref="DerivableSummaries"/>): ~10 % of kept traces, ~1 B a
    /// stored span, where a row for every trace cost ~7 B (the trace id alone is ~16 B a trace).
    /// Sorted by TraceId because it is only ever looked up by trace id; partitioned and expired by
    /// day on the trace's start exactly like otel_traces, so a trace's summary lives as long as its
    /// spans. The repeated strings are LowCardinality and everything but the trace id (random hex,
    /// where level 1 does best) is ZSTD(9): 10 % smaller than String and ZSTD(1) on these rows
    /// (17 % on a row per trace). No Delta on Timestamp: sorted by TraceId, consecutive starts are
    /// unrelated.
    /// </summary>
    public string CreateTraceSummariesTableSql() => $"""
        CREATE TABLE IF NOT EXISTS {QualifiedTraceSummariesTable} (
            TraceId String CODEC(ZSTD(1)),
            GroupId LowCardinality(String) CODEC(ZSTD(9)),
            Timestamp DateTime64(9) CODEC(ZSTD(9)),
            Duration UInt64 CODEC(T64, ZSTD(9)),
            SpanCount UInt32 CODEC(T64, ZSTD(9)),
            Regions Array(LowCardinality(String)) CODEC(ZSTD(9)),
            Edges Nested (
                ParentSpanId String,
                SpanId String,
                ParentRegion LowCardinality(String),
                Region LowCardinality(String),
                SkewNs Int64
            ) CODEC(ZSTD(9)),
            ArrivalLag Nested (
                Region LowCardinality(String),
                LagMs UInt32
            ) CODEC(ZSTD(9)),
            MaxSkewNs Int64 CODEC(ZSTD(9)),
            CompletionReason LowCardinality(String) CODEC(ZSTD(9)),
            SamplingReason LowCardinality(String) CODEC(ZSTD(9)),
            SampleRate UInt32 CODEC(ZSTD(9))
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        ORDER BY (TraceId, Timestamp)
        {Ttl("toDateTime(Timestamp)")}
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
        """;

    /// <summary>The summary INSERT for <paramref name="qualifiedTable"/>; Nested sub-columns are quoted because of the dot.</summary>
    internal static string SummaryInsert(string qualifiedTable) => InsertInto(qualifiedTable, SummaryInsertColumns);

    /// <summary>The <see cref="DecisionColumns"/> column's definition, shared by CREATE and the upgrade's ADD COLUMN.</summary>
    private const string CompletionReasonColumn = "CompletionReason LowCardinality(String) CODEC(ZSTD(9))";

    /// <summary>
    /// Parts of fewer rows than this are written compact (one data file) instead of wide (two files
    /// per column stream and index: 163 for an insert here, against 37 compact), shared by CREATE and
    /// the upgrade. Twice the default batch, so every insert of the default storage settings writes
    /// a compact part and merges make the wide ones. Why: a part's files are created on every
    /// insert and deleted when it merges, and on ext4 a new inode is found by scanning past the
    /// recently deleted ones (perf: a quarter of the CPU of back-to-back inserts in ext4's
    /// find_inode_bit); medians of 10,000-row inserts of the bench's spans in four alternating runs 144–255 → 128–167 ms.
    /// Merged parts past 20,000 rows are wide as before, so bytes at rest do not change.
    /// </summary>
    internal static readonly string MinRowsForWidePart = string.Create(CultureInfo.InvariantCulture, $"min_rows_for_wide_part = {2 * StorageSettings.DefaultBatchSize}");

    /// <summary>The TraceId bloom filter's definition, shared by CREATE and the upgrade's ADD INDEX.</summary>
    private const string TraceIdIndex = "idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1";

    private string Qualify(string table) => $"`{Database}`.`{table}`";

    private string Ttl(string timeExpression) =>
        TtlDays > 0 ? string.Create(CultureInfo.InvariantCulture, $"TTL {timeExpression} + toIntervalDay({TtlDays})") : string.Empty;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();
}
