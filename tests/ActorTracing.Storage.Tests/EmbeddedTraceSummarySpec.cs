using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

/// <summary>Trace summaries through the writer into the embedded engine's otel_trace_summaries, read back by the query layer's reader.</summary>
[Collection(ChdbCollection.Name)]
public sealed class EmbeddedTraceSummarySpec(ChdbFixture chdb) : TestKit
{
    [Fact]
    public async Task Summaries_enqueued_with_their_spans_read_back_through_the_reader_as_enqueued()
    {
        var settings = Settings("summaries") with { BatchSize = 40, FlushInterval = TimeSpan.FromMilliseconds(50) };
        var store = EmbeddedSpanStore.Open(settings);
        var writer = StorageWriter.Start(Sys, store, settings);
        var traces = TestSpans.Traces(traces: 30, spansPerTrace: 4);
        var summaries = TestSummaries.For(traces);

        for (var i = 0; i < traces.Count; i++)
        {
            writer.Enqueue(traces[i], summaries[i]);
        }
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var read = await TestSummaries.ReadAsync(ClickHouseSpanReader.ForEmbedded(chdb.Engine, settings.Database), summaries);
        Assert.Equal(30, read.Count);
        foreach (var summary in summaries)
        {
            TestSummaries.AssertReadBackEqual(summary, read[summary.TraceId.ToHex()], SchemaFlavor.Modern);
        }
        Assert.Equal(30, writer.SummariesWritten);
        Assert.Equal(0, writer.PendingSummaries);
        Assert.Equal(120, writer.RowsWritten);
        // Summaries do not count toward batch-size: 120 span rows in batches of 40 (10 traces).
        Assert.InRange(writer.BatchesWritten, 3, 30);
        Assert.Equal("30\n", chdb.Engine.Query($"SELECT count() FROM {store.Schema.QualifiedTraceSummariesTable}"));
    }

    [Fact]
    public async Task A_failing_summary_insert_is_retried_without_losing_summaries_or_storing_spans_twice()
    {
        var settings = Settings("summaryretry") with
        {
            // One batch (completion flushes it), so the attempts below are exact.
            BatchSize = 10_000,
            FlushInterval = TimeSpan.FromHours(1),
            MinRetryBackoff = TimeSpan.FromMilliseconds(1),
            MaxRetryBackoff = TimeSpan.FromMilliseconds(5),
        };
        var store = EmbeddedSpanStore.Open(settings);
        var failing = new FailingSpanStore(store, failures: 1, summaryFailures: 3);
        var writer = StorageWriter.Start(Sys, failing, settings);
        var traces = TestSpans.Traces(traces: 10, spansPerTrace: 5);
        var summaries = TestSummaries.For(traces);

        for (var i = 0; i < traces.Count; i++)
        {
            writer.Enqueue(traces[i], summaries[i]);
        }
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, failing.Calls);
        Assert.Equal(4, failing.SummaryCalls);
        Assert.Equal(4, writer.FailedAttempts);
        Assert.Equal(4, writer.WriteRetries);
        Assert.Equal("50\n", chdb.Engine.Query($"SELECT count() FROM {store.Schema.QualifiedTracesTable}"));
        Assert.Equal("10\n", chdb.Engine.Query($"SELECT count() FROM {store.Schema.QualifiedTraceSummariesTable}"));
        var read = await TestSummaries.ReadAsync(ClickHouseSpanReader.ForEmbedded(chdb.Engine, settings.Database), summaries);
        foreach (var summary in summaries)
        {
            TestSummaries.AssertReadBackEqual(summary, read[summary.TraceId.ToHex()], SchemaFlavor.Modern);
        }
        Assert.Equal(0, writer.PendingSummaries);
        Assert.Equal(0, writer.PendingRows);
    }

    [Fact]
    public async Task Spans_enqueued_without_a_summary_such_as_late_spans_add_no_summary_row()
    {
        var settings = Settings("latespans");
        var store = EmbeddedSpanStore.Open(settings);
        var writer = StorageWriter.Start(Sys, store, settings);
        var traces = TestSpans.Traces(traces: 2, spansPerTrace: 3);

        writer.Enqueue(traces[0], TestSummaries.For(traces[0], 1));
        writer.Enqueue(traces[1]);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("6\n", chdb.Engine.Query($"SELECT count() FROM {store.Schema.QualifiedTracesTable}"));
        Assert.Equal(traces[0][0].Span.TraceId.ToHex() + "\n", chdb.Engine.Query($"SELECT TraceId FROM {store.Schema.QualifiedTraceSummariesTable}"));
        Assert.Equal(1, writer.SummariesWritten);
    }

    [Fact]
    public async Task A_summary_the_span_rows_rebuild_gets_no_row_and_reads_back_as_enqueued_late_spans_aside()
    {
        var settings = Settings("derived");
        var store = EmbeddedSpanStore.Open(settings);
        var writer = StorageWriter.Start(Sys, store, settings);
        var traces = TestSpans.Traces(traces: 4, spansPerTrace: 3);
        var derivable = new[] { TestSummaries.Derivable(traces[0]), TestSummaries.Derivable(traces[1], "expired/no_root") };
        var crossRegion = TestSummaries.For(traces[2], 2);
        // A fourth span of trace 0 arriving after its decision, ending later: it must not count.
        var late = TestSpans.Traces(traces: 1, spansPerTrace: 4)[0][3];

        writer.Enqueue(traces[0], derivable[0]);
        writer.Enqueue(traces[1], derivable[1]);
        writer.Enqueue(traces[2], crossRegion);
        writer.Enqueue(traces[3]);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var lateWriter = StorageWriter.Start(Sys, store, settings);
        lateWriter.Enqueue([late with { SamplingReason = "late/follow-decision" }]);
        await lateWriter.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(crossRegion.TraceId.ToHex() + "\n", chdb.Engine.Query($"SELECT TraceId FROM {store.Schema.QualifiedTraceSummariesTable}"));
        Assert.Equal(2, writer.SummariesInSpanRows);
        Assert.Equal(1, writer.SummariesWritten);
        Assert.Equal(0, writer.PendingSummaries);
        var read = await TestSummaries.ReadAsync(ClickHouseSpanReader.ForEmbedded(chdb.Engine, settings.Database), [.. derivable, crossRegion]);
        Assert.Equal(3, read.Count);
        foreach (var summary in (IEnumerable<StoredTraceSummary>)[.. derivable, crossRegion])
        {
            TestSummaries.AssertReadBackEqual(summary, read[summary.TraceId.ToHex()], SchemaFlavor.Modern);
        }
        // Spans without a decision (trace 3: late spans only) have no summary to rebuild.
        Assert.Empty(await ClickHouseSpanReader.ForEmbedded(chdb.Engine, settings.Database).GetTraceSummariesAsync([traces[3][0].Span.TraceId.ToHex()], CancellationToken.None));
        Assert.Equal(
            "\t4\nexpired/no_root\t3\ngot_root\t6\n",
            chdb.Engine.Query($"SELECT CompletionReason, count() FROM {store.Schema.QualifiedTracesTable} GROUP BY CompletionReason ORDER BY CompletionReason"));
    }

    private StorageSettings Settings(string databasePrefix) => new()
    {
        DataDirectory = chdb.DataDirectory,
        Database = ChdbFixture.UniqueDatabase(databasePrefix),
        FlushInterval = TimeSpan.FromMilliseconds(50),
    };
}
