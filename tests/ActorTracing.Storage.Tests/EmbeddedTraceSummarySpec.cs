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

    private StorageSettings Settings(string databasePrefix) => new()
    {
        DataDirectory = chdb.DataDirectory,
        Database = ChdbFixture.UniqueDatabase(databasePrefix),
        FlushInterval = TimeSpan.FromMilliseconds(50),
    };
}
