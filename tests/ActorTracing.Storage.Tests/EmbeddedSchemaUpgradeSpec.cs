using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// An embedded database created by the earlier layout (a trace-id lookup table filled by a
/// materialized view, no CompletionReason column nor TraceId bloom filter on otel_traces, a summary
/// row for every kept trace) opened by this one: upgraded in place, nothing it held lost.
/// </summary>
[Collection(ChdbCollection.Name)]
public sealed class EmbeddedSchemaUpgradeSpec(ChdbFixture chdb) : TestKit
{
    private readonly ChdbEngine _engine = chdb.Engine;

    [Fact]
    public async Task A_database_of_the_earlier_layout_is_upgraded_on_opening_and_reads_its_old_and_new_traces()
    {
        var settings = new StorageSettings
        {
            DataDirectory = chdb.DataDirectory,
            Database = ChdbFixture.UniqueDatabase("upgrade"),
            TtlDays = 0,
            FlushInterval = TimeSpan.FromMilliseconds(50),
        };
        var schema = new TraceSchema(settings.Database, settings.TtlDays);
        var traces = TestSpans.Traces(traces: 5, spansPerTrace: 3);
        var old = traces.Take(3).ToList();
        var oldSummaries = old.Select(t => TestSummaries.Derivable(t)).ToList();
        CreateEarlierLayout(schema);
        WriteAsEarlierLayout(schema, old, oldSummaries);
        Assert.Equal("3\n", _engine.Query($"SELECT count() FROM {schema.QualifiedTraceIdTsTable}"));

        var store = EmbeddedSpanStore.Open(settings);

        Assert.Equal(
            "otel_trace_summaries\tMergeTree\notel_trace_summaries_input\tNull\notel_trace_summaries_input_mv\tMaterializedView\n" +
            "otel_traces\tMergeTree\notel_traces_input\tNull\notel_traces_input_mv\tMaterializedView\notel_traces_trace_id_ts\tView\n",
            _engine.Query($"SELECT name, engine FROM system.tables WHERE database = '{schema.Database}' ORDER BY name"));
        Assert.Equal("CompletionReason\n", _engine.Query($"SELECT name FROM system.columns WHERE database = '{schema.Database}' AND table = 'otel_traces' ORDER BY position DESC LIMIT 1"));
        Assert.Contains("min_rows_for_wide_part = 20000", _engine.Query($"SELECT create_table_query FROM system.tables WHERE database = '{schema.Database}' AND name = 'otel_traces'"), StringComparison.Ordinal);
        Assert.Equal("idx_trace_id\n", _engine.Query($"SELECT name FROM system.data_skipping_indices WHERE database = '{schema.Database}' AND table = 'otel_traces' AND name = 'idx_trace_id'"));

        // New traces through the writer: one summary left to its span rows, one with a row.
        var writer = StorageWriter.Start(Sys, store, settings);
        var derivable = TestSummaries.Derivable(traces[3]);
        var crossRegion = TestSummaries.For(traces[4], 4);
        writer.Enqueue(traces[3], derivable);
        writer.Enqueue(traces[4], crossRegion);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, writer.SummariesInSpanRows);

        var reader = ClickHouseSpanReader.ForEmbedded(_engine, schema.Database);
        var ids = traces.Select(t => t[0].Span.TraceId.ToHex()).ToList();
        var spans = await reader.GetSpansAsync(ids, CancellationToken.None);
        Assert.Equal(15, spans.Count);
        Assert.Equal(ids, spans.Select(s => s.TraceId).Distinct());
        var summaries = await TestSummaries.ReadAsync(reader, [.. oldSummaries, derivable, crossRegion]);
        foreach (var summary in (IEnumerable<StoredTraceSummary>)[.. oldSummaries, derivable, crossRegion])
        {
            TestSummaries.AssertReadBackEqual(summary, summaries[summary.TraceId.ToHex()], SchemaFlavor.Modern);
        }
        Assert.Equal("5\n", _engine.Query($"SELECT count() FROM {schema.QualifiedTraceIdTsTable}"));

        // Opening it again finds nothing left to upgrade.
        EmbeddedSpanStore.Open(settings);
        Assert.Equal("7\n", _engine.Query($"SELECT count() FROM system.tables WHERE database = '{schema.Database}'"));
    }

    /// <summary>The spans as the earlier layout's node inserted them (without CompletionReason), and a summary row each.</summary>
    private void WriteAsEarlierLayout(TraceSchema schema, IEnumerable<IReadOnlyList<StoredSpan>> traces, IEnumerable<StoredTraceSummary> summaries)
    {
        // Rows encoded as today, moved over without the column the earlier table lacks.
        var scratch = new TraceSchema(ChdbFixture.UniqueDatabase("scratch"), ttlDays: 0);
        scratch.Apply(_engine);
        var encoder = new SpanRowEncoder();
        foreach (var stored in traces.SelectMany(t => t))
        {
            encoder.Append(stored);
        }
        _engine.StreamInsert(scratch.InsertSql, "RowBinary", encoder.Written.Span);
        _engine.Execute($"INSERT INTO {schema.QualifiedTracesTable} SELECT * EXCEPT (CompletionReason) FROM {scratch.QualifiedTracesTable}");

        var summaryEncoder = new TraceSummaryRowEncoder();
        foreach (var summary in summaries)
        {
            summaryEncoder.Append(summary);
        }
        // Straight into the table, as that layout had no input table.
        _engine.StreamInsert(TraceSchema.SummaryInsert(schema.QualifiedTraceSummariesTable), "RowBinary", summaryEncoder.Written.Span);
    }

    /// <summary>The earlier layout's statements (TraceSchema before the lookup became a view), without TTL.</summary>
    private void CreateEarlierLayout(TraceSchema schema)
    {
        _engine.Execute(schema.CreateDatabaseSql());
        _engine.Execute($"""
            CREATE TABLE {schema.QualifiedTracesTable} (
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
                INDEX idx_duration Duration TYPE minmax GRANULARITY 1
            ) ENGINE = MergeTree()
            PARTITION BY toDate(Timestamp)
            PRIMARY KEY ({TraceSchema.TracesPrimaryKey})
            ORDER BY ({TraceSchema.TracesSortingKey})
            SETTINGS index_granularity = 8192, min_bytes_for_wide_part = 1048576
            """);
        _engine.Execute($"""
            CREATE TABLE {schema.QualifiedTraceIdTsTable} (
                TraceId String CODEC(ZSTD(1)),
                Start DateTime CODEC(Delta, ZSTD(1)),
                End DateTime CODEC(Delta, ZSTD(1)),
                INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
            ) ENGINE = MergeTree()
            PARTITION BY toDate(Start)
            ORDER BY (TraceId, Start)
            SETTINGS index_granularity = 8192
            """);
        _engine.Execute(TraceSchema.TraceIdTsViewSql($"`{schema.Database}`.`{TraceSchema.TraceIdTsView}`", schema.QualifiedTraceIdTsTable, schema.QualifiedTracesTable));
        _engine.Execute($"""
            CREATE TABLE {schema.QualifiedTraceSummariesTable} (
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
            SETTINGS index_granularity = 8192
            """);
    }
}
