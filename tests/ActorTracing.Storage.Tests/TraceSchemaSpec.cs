namespace ActorTracing.Storage.Tests;

[Collection(ChdbCollection.Name)]
public sealed class TraceSchemaSpec(ChdbFixture chdb)
{
    // The collector clickhouseexporter's otel_traces columns (traces_table.sql), Nested flattened
    // the way ClickHouse lists them, then ours. Written out here, not taken from TraceSchema, so a
    // drift in either shows.
    private static readonly (string Name, string Type)[] ExpectedColumns =
    [
        ("Timestamp", "DateTime64(9)"),
        ("TraceId", "String"),
        ("SpanId", "String"),
        ("ParentSpanId", "String"),
        ("TraceState", "String"),
        ("SpanName", "LowCardinality(String)"),
        ("SpanKind", "LowCardinality(String)"),
        ("ServiceName", "LowCardinality(String)"),
        ("ResourceAttributes", "Map(LowCardinality(String), String)"),
        ("ScopeName", "String"),
        ("ScopeVersion", "String"),
        ("SpanAttributes", "Map(LowCardinality(String), String)"),
        ("Duration", "UInt64"),
        ("StatusCode", "LowCardinality(String)"),
        ("StatusMessage", "String"),
        ("Events.Timestamp", "Array(DateTime64(9))"),
        ("Events.Name", "Array(LowCardinality(String))"),
        ("Events.Attributes", "Array(Map(LowCardinality(String), String))"),
        ("Links.TraceId", "Array(String)"),
        ("Links.SpanId", "Array(String)"),
        ("Links.TraceState", "Array(String)"),
        ("Links.Attributes", "Array(Map(LowCardinality(String), String))"),
        ("Region", "LowCardinality(String)"),
        ("SamplingReason", "LowCardinality(String)"),
        ("SampleRate", "UInt32"),
    ];

    private readonly ChdbEngine _engine = chdb.Engine;

    [Fact]
    public void The_traces_table_has_the_upstream_columns_in_order_with_ours_last()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"));
        schema.Apply(_engine);

        var columns = Rows(_engine.Query($"SELECT name, type FROM system.columns WHERE database = '{schema.Database}' AND table = 'otel_traces' ORDER BY position"))
            .Select(r => (r[0], r[1]))
            .ToArray();

        Assert.Equal(ExpectedColumns, columns);
        Assert.Equal(ExpectedColumns.Select(c => c.Name), TraceSchema.InsertColumns);
    }

    [Fact]
    public void The_traces_table_is_partitioned_sorted_and_expired_like_upstream()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"));
        schema.Apply(_engine);

        var table = Rows(_engine.Query($"SELECT engine, partition_key, sorting_key, create_table_query FROM system.tables WHERE database = '{schema.Database}' AND name = 'otel_traces'")).Single();
        Assert.Equal("MergeTree", table[0]);
        Assert.Equal("toDate(Timestamp)", table[1]);
        Assert.Equal("ServiceName, SpanName, toDateTime(Timestamp)", table[2]);
        Assert.Contains("TTL toDateTime(Timestamp) + toIntervalDay(3)", table[3], StringComparison.Ordinal);
        Assert.Contains("INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1", table[3], StringComparison.Ordinal);
        Assert.Contains("ttl_only_drop_parts = 1", table[3], StringComparison.Ordinal);
    }

    [Fact]
    public void The_trace_id_lookup_table_and_its_view_exist()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 7);
        schema.Apply(_engine);

        var tables = Rows(_engine.Query($"SELECT name, engine, sorting_key FROM system.tables WHERE database = '{schema.Database}' ORDER BY name"));
        Assert.Equal(
            [
                ["otel_trace_summaries", "MergeTree", "TraceId, Timestamp"],
                ["otel_traces", "MergeTree", "ServiceName, SpanName, toDateTime(Timestamp)"],
                ["otel_traces_trace_id_ts", "MergeTree", "TraceId, Start"],
                ["otel_traces_trace_id_ts_mv", "MaterializedView", ""],
            ],
            tables);
        var lookup = _engine.Query($"SELECT create_table_query FROM system.tables WHERE database = '{schema.Database}' AND name = 'otel_traces_trace_id_ts'");
        Assert.Contains("TTL toDateTime(Start) + toIntervalDay(7)", lookup, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_table_has_the_columns_the_reader_selects_and_expires_with_the_spans()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 5);
        schema.Apply(_engine);

        // The columns ClickHouseSpanReader.GetTraceSummariesAsync selects (and the query specs'
        // fixture creates), written out here so a drift between writer and reader shows.
        var columns = Rows(_engine.Query($"SELECT name, type FROM system.columns WHERE database = '{schema.Database}' AND table = 'otel_trace_summaries' ORDER BY position"));
        Assert.Equal(
            [
                ["TraceId", "String"],
                ["GroupId", "String"],
                ["Timestamp", "DateTime64(9)"],
                ["Duration", "UInt64"],
                ["SpanCount", "UInt32"],
                ["Regions", "Array(String)"],
                ["Edges.ParentSpanId", "Array(String)"],
                ["Edges.SpanId", "Array(String)"],
                ["Edges.ParentRegion", "Array(String)"],
                ["Edges.Region", "Array(String)"],
                ["Edges.SkewNs", "Array(Int64)"],
                ["ArrivalLag.Region", "Array(String)"],
                ["ArrivalLag.LagMs", "Array(UInt32)"],
                ["MaxSkewNs", "Int64"],
                ["CompletionReason", "String"],
                ["SamplingReason", "String"],
                ["SampleRate", "UInt32"],
            ],
            columns);
        Assert.Equal(columns.Select(c => c[0]), TraceSchema.SummaryInsertColumns);
        var table = Rows(_engine.Query($"SELECT partition_key, create_table_query FROM system.tables WHERE database = '{schema.Database}' AND name = 'otel_trace_summaries'")).Single();
        Assert.Equal("toDate(Timestamp)", table[0]);
        Assert.Contains("TTL toDateTime(Timestamp) + toIntervalDay(5)", table[1], StringComparison.Ordinal);
        Assert.Contains("ttl_only_drop_parts = 1", table[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_ttl_of_zero_days_keeps_spans_forever()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 0);
        schema.Apply(_engine);

        var queries = _engine.Query($"SELECT create_table_query FROM system.tables WHERE database = '{schema.Database}' AND engine = 'MergeTree'");
        Assert.DoesNotContain("TTL", queries, StringComparison.Ordinal);
    }

    [Fact]
    public void Applying_the_schema_again_is_harmless()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"));
        schema.Apply(_engine);
        schema.Apply(_engine);

        Assert.Equal("4\n", _engine.Query($"SELECT count() FROM system.tables WHERE database = '{schema.Database}'"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("otel; DROP DATABASE x")]
    [InlineData("a-b")]
    public void A_database_name_that_is_not_a_plain_identifier_is_refused(string database)
    {
        Assert.Throws<ArgumentException>(() => new TraceSchema(database));
    }

    private static List<string[]> Rows(string tabSeparated) =>
        tabSeparated.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
}
