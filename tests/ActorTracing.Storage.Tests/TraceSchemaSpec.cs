namespace ActorTracing.Storage.Tests;

[Collection(ChdbCollection.Name)]
public sealed class TraceSchemaSpec(ChdbFixture chdb)
{
    // The collector clickhouseexporter's otel_traces columns (traces_table.sql), Nested flattened
    // the way ClickHouse lists them, then ours. Written out here, not taken from TraceSchema, so a
    // drift in either shows. Where upstream has String, LowCardinality(String) is the one change
    // allowed: SQL and inserts cannot tell them apart.
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
        ("ResourceAttributes", "Map(LowCardinality(String), LowCardinality(String))"),
        ("ScopeName", "LowCardinality(String)"),
        ("ScopeVersion", "LowCardinality(String)"),
        ("SpanAttributes", "Map(LowCardinality(String), LowCardinality(String))"),
        ("Duration", "UInt64"),
        ("StatusCode", "LowCardinality(String)"),
        ("StatusMessage", "String"),
        ("Events.Timestamp", "Array(DateTime64(9))"),
        ("Events.Name", "Array(LowCardinality(String))"),
        ("Events.Attributes", "Array(Map(LowCardinality(String), LowCardinality(String)))"),
        ("Links.TraceId", "Array(String)"),
        ("Links.SpanId", "Array(String)"),
        ("Links.TraceState", "Array(String)"),
        ("Links.Attributes", "Array(Map(LowCardinality(String), LowCardinality(String)))"),
        ("Region", "LowCardinality(String)"),
        ("SamplingReason", "LowCardinality(String)"),
        ("SampleRate", "UInt32"),
        ("CompletionReason", "LowCardinality(String)"),
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
    public void The_traces_table_is_partitioned_and_expired_like_upstream_and_sorted_by_trace()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"));
        schema.Apply(_engine);

        var table = Rows(_engine.Query($"SELECT engine, partition_key, sorting_key, primary_key, create_table_query FROM system.tables WHERE database = '{schema.Database}' AND name = 'otel_traces'")).Single();
        Assert.Equal("MergeTree", table[0]);
        Assert.Equal("toDate(Timestamp)", table[1]);
        Assert.Equal("toStartOfTenMinutes(Timestamp), SamplingReason, TraceId, Timestamp", table[2]);
        Assert.Equal("toStartOfTenMinutes(Timestamp), SamplingReason, TraceId", table[3]);
        Assert.Contains("TTL toDateTime(Timestamp) + toIntervalDay(3)", table[4], StringComparison.Ordinal);
        Assert.Contains("ttl_only_drop_parts = 1", table[4], StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_range_prunes_the_traces_table_on_its_primary_key()
    {
        // Regression guard for the key's shape: with Timestamp itself in the primary key, ClickHouse
        // matched the range against that last key column and selected every granule.
        var schema = SpansTwentyMillisecondsApart();

        // 200,000 rows 20 ms apart span 66 minutes; the first ten minutes are 30,000 of them.
        var explain = _engine.Query(
            $"EXPLAIN indexes = 1 SELECT count() FROM {schema.QualifiedTracesTable} " +
            $"WHERE Timestamp >= {ClickHouseSql.Nanos(1_768_471_200_000_000_000)} AND Timestamp <= {ClickHouseSql.Nanos(1_768_471_500_000_000_000)}");
        var (selected, total) = Granules(explain, "PrimaryKey");
        Assert.InRange(selected, 1, 6);
        Assert.Equal(25, total);
    }

    [Fact]
    public async Task The_reader_lists_services_and_operations_from_the_operations_projection()
    {
        // The trace-ordered key cannot find a service's spans, so without the projection these
        // lists (asked for on every page of the UI) would scan every span of the TTL.
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"));
        schema.Apply(_engine);
        _engine.Execute($"""
            INSERT INTO {schema.QualifiedTracesTable} (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName)
            SELECT now64(9), lower(hex(sipHash128(intDiv(number, 3)))), lower(hex(sipHash64(number))), ['GET /a', 'GET /b'][number % 2 + 1], 'Server', ['api', 'db'][number % 3 % 2 + 1]
            FROM numbers(1000)
            """);
        var queries = new List<string>();
        var reader = new ClickHouseSpanReader(
            (sql, _) =>
            {
                queries.Add(sql);
                return Task.FromResult(_engine.QueryBytes(sql, "JSONEachRow"));
            },
            schema.Database);

        Assert.Equal(["api", "db"], await reader.GetServicesAsync(CancellationToken.None));
        Assert.Equal([new OperationInfo("GET /a", "Server"), new OperationInfo("GET /b", "Server")], await reader.GetOperationsAsync("db", null, CancellationToken.None));
        Assert.Equal([new OperationInfo("GET /a", "Server"), new OperationInfo("GET /b", "Server")], await reader.GetOperationsAsync("api", "Server", CancellationToken.None));
        Assert.Empty(await reader.GetOperationsAsync("api", "Client", CancellationToken.None));
        Assert.Equal(4, queries.Count);
        Assert.All(queries, sql => Assert.Contains($"ReadFromMergeTree ({TraceSchema.OperationsProjection})", _engine.Query($"EXPLAIN {sql}"), StringComparison.Ordinal));
    }

    [Fact]
    public void The_trace_id_lookup_is_a_view_with_upstreams_name_and_columns_and_no_table_behind_it()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 7);
        schema.Apply(_engine);

        var tables = Rows(_engine.Query($"SELECT name, engine, sorting_key FROM system.tables WHERE database = '{schema.Database}' AND name NOT LIKE '%_input%' ORDER BY name"));
        Assert.Equal(
            [
                ["otel_trace_summaries", "MergeTree", "TraceId, Timestamp"],
                ["otel_traces", "MergeTree", TraceSchema.TracesSortingKey],
                ["otel_traces_trace_id_ts", "View", ""],
            ],
            tables);
        // The collector's traces_id_ts_lookup_table.sql columns, which Grafana's trace-by-id query reads.
        Assert.Equal(
            [["TraceId", "String"], ["Start", "DateTime"], ["End", "DateTime"]],
            Rows(_engine.Query($"SELECT name, type FROM system.columns WHERE database = '{schema.Database}' AND table = 'otel_traces_trace_id_ts' ORDER BY position")));
    }

    [Fact]
    public void A_trace_id_lookup_reads_only_the_granules_the_key_and_the_trace_id_bloom_filter_leave()
    {
        // No time range to prune on: the key leaves a granule per ten-minute bucket and reason
        // whose id range covers the id, and the bloom filter rules out those without it.
        var schema = SpansTwentyMillisecondsApart();
        var traceId = _engine.Query($"SELECT lower(hex(sipHash128(toUInt64(12345))))").Trim();

        var explain = _engine.Query($"EXPLAIN indexes = 1 SELECT min(Start), max(End) FROM {schema.QualifiedTraceIdTsTable} WHERE TraceId = '{traceId}'");

        var (selected, total) = Granules(explain, "Name: idx_trace_id");
        Assert.InRange(selected, 1, 2);
        Assert.InRange(total, 4, 25);
        // The trace's six rows are 20 ms apart from 10:24:41.4 on.
        Assert.Equal(
            "2026-01-15 10:24:41\t2026-01-15 10:24:41\n",
            _engine.Query($"SELECT min(Start), max(End) FROM {schema.QualifiedTraceIdTsTable} WHERE TraceId = '{traceId}'"));
    }

    [Fact]
    public void The_summary_table_has_the_columns_the_reader_selects_and_expires_with_the_spans()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 5);
        schema.Apply(_engine);

        // The columns ClickHouseSpanReader.GetTraceSummariesAsync selects (and the query specs'
        // fixture creates, as String: RowBinary and SQL cannot tell it from LowCardinality),
        // written out here so a drift between writer and reader shows.
        var columns = Rows(_engine.Query($"SELECT name, type FROM system.columns WHERE database = '{schema.Database}' AND table = 'otel_trace_summaries' ORDER BY position"));
        Assert.Equal(
            [
                ["TraceId", "String"],
                ["GroupId", "LowCardinality(String)"],
                ["Timestamp", "DateTime64(9)"],
                ["Duration", "UInt64"],
                ["SpanCount", "UInt32"],
                ["Regions", "Array(LowCardinality(String))"],
                ["Edges.ParentSpanId", "Array(String)"],
                ["Edges.SpanId", "Array(String)"],
                ["Edges.ParentRegion", "Array(LowCardinality(String))"],
                ["Edges.Region", "Array(LowCardinality(String))"],
                ["Edges.SkewNs", "Array(Int64)"],
                ["ArrivalLag.Region", "Array(LowCardinality(String))"],
                ["ArrivalLag.LagMs", "Array(UInt32)"],
                ["MaxSkewNs", "Int64"],
                ["CompletionReason", "LowCardinality(String)"],
                ["SamplingReason", "LowCardinality(String)"],
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
    public void Applying_the_schema_again_is_harmless_and_leaves_the_input_tables_as_they_are()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"));
        schema.Apply(_engine);
        var tables = $"SELECT name, engine, uuid FROM system.tables WHERE database = '{schema.Database}' ORDER BY name";
        var before = _engine.Query(tables);
        schema.Apply(_engine);

        // Re-created input tables get new uuids: a second store opening the database must not drop
        // them under the first one's inserts.
        Assert.Equal(before, _engine.Query(tables));
        Assert.Equal(
            [
                ["otel_trace_summaries", "MergeTree"],
                ["otel_trace_summaries_input", "Null"],
                ["otel_trace_summaries_input_mv", "MaterializedView"],
                ["otel_traces", "MergeTree"],
                ["otel_traces_input", "Null"],
                ["otel_traces_input_mv", "MaterializedView"],
                ["otel_traces_trace_id_ts", "View"],
            ],
            Rows(before).Select(r => r[..2]));
    }

    [Fact]
    public void Inserts_go_through_input_tables_that_take_String_where_the_tables_have_LowCardinality()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 0);
        schema.Apply(_engine);

        var traces = Rows(_engine.Query($"SELECT name, type FROM system.columns WHERE database = '{schema.Database}' AND table = 'otel_traces_input' ORDER BY position"));
        Assert.Equal(ExpectedColumns.Select(c => new[] { c.Name, c.Type.Replace("LowCardinality(String)", "String", StringComparison.Ordinal) }), traces);
        var summaries = Rows(_engine.Query($"SELECT type FROM system.columns WHERE database = '{schema.Database}' AND table = 'otel_trace_summaries_input' ORDER BY position"));
        Assert.Equal(TraceSchema.SummaryInsertColumns.Count, summaries.Count);
        Assert.DoesNotContain(summaries, r => r[0].Contains("LowCardinality", StringComparison.Ordinal));
        Assert.StartsWith($"INSERT INTO `{schema.Database}`.`otel_traces_input` (`Timestamp`, `TraceId`", schema.InsertSql, StringComparison.Ordinal);
        Assert.StartsWith($"INSERT INTO `{schema.Database}`.`otel_trace_summaries_input` (`TraceId`, `GroupId`", schema.SummaryInsertSql, StringComparison.Ordinal);

        // What goes in lands in the tables, in the same insert, and the input tables keep nothing.
        var spans = TestSpans.Traces(traces: 2, spansPerTrace: 3).SelectMany(t => t).ToList();
        var encoder = new SpanRowEncoder();
        foreach (var span in spans)
        {
            encoder.Append(span);
        }
        _engine.StreamInsert(schema.InsertSql, "RowBinary", encoder.Written.Span);
        var summaryEncoder = new TraceSummaryRowEncoder();
        summaryEncoder.Append(TestSummaries.For(TestSpans.Traces(traces: 1, spansPerTrace: 2)[0], 1));
        _engine.StreamInsert(schema.SummaryInsertSql, "RowBinary", summaryEncoder.Written.Span);
        Assert.Equal("6\n", _engine.Query($"SELECT count() FROM {schema.QualifiedTracesTable}"));
        Assert.Equal("1\n", _engine.Query($"SELECT count() FROM {schema.QualifiedTraceSummariesTable}"));
        Assert.Equal(
            string.Concat(spans.Select(s => s.Span.Name).Order(StringComparer.Ordinal).Select(n => n + "\n")),
            _engine.Query($"SELECT SpanName FROM {schema.QualifiedTracesTable} ORDER BY SpanName"));
    }

    [Fact]
    public void An_input_table_that_no_longer_matches_its_table_is_made_again()
    {
        // As after an upgrade that added a column to otel_traces: the old input table lacks it.
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 0);
        schema.Apply(_engine);
        _engine.Execute($"DROP VIEW `{schema.Database}`.`otel_traces_input_mv`");
        _engine.Execute($"DROP TABLE `{schema.Database}`.`otel_traces_input`");
        _engine.Execute($"CREATE TABLE `{schema.Database}`.`otel_traces_input` (Timestamp DateTime64(9), TraceId String) ENGINE = Null");

        schema.Apply(_engine);

        Assert.Equal(
            $"{TraceSchema.InsertColumns.Count}\n",
            _engine.Query($"SELECT count() FROM system.columns WHERE database = '{schema.Database}' AND table = 'otel_traces_input'"));
        Assert.Equal("1\n", _engine.Query($"SELECT count() FROM system.tables WHERE database = '{schema.Database}' AND name = 'otel_traces_input_mv'"));
    }

    [Theory]
    [InlineData("LowCardinality(String)", "String")]
    [InlineData("Map(LowCardinality(String), LowCardinality(String))", "Map(String, String)")]
    [InlineData("Array(Map(LowCardinality(String), LowCardinality(String)))", "Array(Map(String, String))")]
    [InlineData("DateTime64(9)", "DateTime64(9)")]
    [InlineData("String", "String")]
    public void An_input_column_is_String_where_its_table_column_is_LowCardinality(string tableType, string inputType)
    {
        Assert.Equal(inputType, TraceSchema.InputType(tableType));
    }

    [Fact]
    public void An_insert_of_a_default_batch_writes_a_compact_part_and_merged_parts_past_twice_that_are_wide()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 0);
        schema.Apply(_engine);
        var parts = $"SELECT part_type, rows FROM system.parts WHERE database = '{schema.Database}' AND table = 'otel_traces' AND active ORDER BY rows";

        // ~100 B a row: past min_bytes_for_wide_part (1 MiB) in both, so the row count decides.
        InsertRows(schema, StorageSettings.DefaultBatchSize);
        Assert.Equal($"Compact\t{StorageSettings.DefaultBatchSize}\n", _engine.Query(parts));

        InsertRows(schema, StorageSettings.DefaultBatchSize + 1);
        _engine.Execute($"OPTIMIZE TABLE {schema.QualifiedTracesTable} FINAL");
        Assert.Equal($"Wide\t{(2 * StorageSettings.DefaultBatchSize) + 1}\n", _engine.Query(parts));
    }

    private void InsertRows(TraceSchema schema, int rows) =>
        _engine.Execute($"""
            INSERT INTO {schema.QualifiedTracesTable} (Timestamp, TraceId, SpanId, SpanName, StatusMessage)
            SELECT toDateTime64('2026-01-15 10:00:00', 9, 'UTC') + toIntervalMillisecond(number), lower(hex(sipHash128(number))),
                lower(hex(sipHash64(number))), 'GET /x', repeat('x', 100)
            FROM numbers({rows})
            """);

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("otel; DROP DATABASE x")]
    [InlineData("a-b")]
    public void A_database_name_that_is_not_a_plain_identifier_is_refused(string database)
    {
        Assert.Throws<ArgumentException>(() => new TraceSchema(database));
    }

    /// <summary>200,000 merged spans 20 ms apart from 2026-01-15 10:00 (66 minutes), six per trace, two reasons.</summary>
    private TraceSchema SpansTwentyMillisecondsApart()
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("schema"), ttlDays: 0);
        schema.Apply(_engine);
        _engine.Execute($"""
            INSERT INTO {schema.QualifiedTracesTable} (Timestamp, TraceId, SpanId, SpanName, ServiceName, SamplingReason)
            SELECT toDateTime64('2026-01-15 10:00:00', 9, 'UTC') + toIntervalMillisecond(number * 20), lower(hex(sipHash128(intDiv(number, 6)))),
                lower(hex(sipHash64(number))), 'GET /x', 'svc', ['rules/errors', 'probabilistic/api'][number % 2 + 1]
            FROM numbers(200000)
            """);
        _engine.Execute($"OPTIMIZE TABLE {schema.QualifiedTracesTable} FINAL");
        return schema;
    }

    /// <summary>Granules selected / considered by the index step of an EXPLAIN indexes = 1 that starts at <paramref name="step"/>.</summary>
    private static (int Selected, int Total) Granules(string explain, string step)
    {
        var granules = System.Text.RegularExpressions.Regex.Match(explain[explain.IndexOf(step, StringComparison.Ordinal)..], @"Granules: (\d+)/(\d+)");
        Assert.True(granules.Success, explain);
        return (int.Parse(granules.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(granules.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static List<string[]> Rows(string tabSeparated) =>
        tabSeparated.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
}
