using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

/// <summary>Trace summaries through the sharded writer into the 18.16 servers' otel_trace_summaries, read back by the query layer's reader.</summary>
[Collection(ClickHouseServersCollection.Name)]
public sealed class ServerTraceSummarySpec(ClickHouseServersFixture servers) : TestKit
{
    [Fact]
    public async Task Each_summary_lands_on_the_shard_of_its_spans_and_reads_back_as_enqueued()
    {
        var settings = servers.Settings("summaryshards");
        var stores = await settings.OpenShardsAsync(CancellationToken.None);
        var writer = ShardedStorageWriter.Start(Sys, stores, settings);
        var traces = TestSpans.Traces(traces: 60, spansPerTrace: 3);
        var summaries = TestSummaries.For(traces);

        for (var i = 0; i < traces.Count; i++)
        {
            writer.Enqueue(traces[i], summaries[i]);
        }
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(60, writer.SummariesWritten);
        Assert.Equal(0, writer.PendingSummaries);
        for (var shard = 0; shard < 2; shard++)
        {
            var store = stores[shard];
            var mine = summaries.Where(s => ShardedStorageWriter.ShardOf(s.TraceId, 2) == shard).ToList();
            Assert.True(mine.Count > 10, "60 ids should split roughly evenly over 2 shards");
            // Asked for every trace, a shard answers exactly the summaries of the traces it holds.
            var reader = new ClickHouseSpanReader((sql, ct) => store.Client.QueryBytesAsync(sql, "JSONEachRow", ct), settings.Database, flavor: SchemaFlavor.Legacy);
            var read = await TestSummaries.ReadAsync(reader, summaries);
            Assert.Equal(mine.Select(s => s.TraceId.ToHex()).Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
            foreach (var summary in mine)
            {
                TestSummaries.AssertReadBackEqual(summary, read[summary.TraceId.ToHex()], SchemaFlavor.Legacy);
            }
            var spanTraces = await store.Client.QueryAsync(
                $"SELECT DISTINCT TraceId FROM {store.Schema.QualifiedTracesTable} ORDER BY TraceId", "TabSeparated", CancellationToken.None);
            Assert.Equal(read.Keys.Order(StringComparer.Ordinal), spanTraces.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(mine.Count, writer.Shards[shard].Writer.SummariesWritten);
            store.Dispose();
        }
    }

    [Fact]
    public async Task A_shard_that_refuses_summaries_for_a_while_is_retried_and_loses_none()
    {
        var settings = servers.Settings("summaryretry") with { Shards = [servers.Endpoints[0]], BatchSize = 10_000, FlushInterval = TimeSpan.FromHours(1) };
        using var store = (await settings.OpenShardsAsync(CancellationToken.None)).Single();
        var failing = new FailingSpanStore(store, failures: 0, summaryFailures: 2);
        var writer = ShardedStorageWriter.Start(Sys, [failing], settings);
        var traces = TestSpans.Traces(traces: 8, spansPerTrace: 2);
        var summaries = TestSummaries.For(traces);

        for (var i = 0; i < traces.Count; i++)
        {
            writer.Enqueue(traces[i], summaries[i]);
        }
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(3, failing.SummaryCalls);
        Assert.Equal(2, writer.FailedAttempts);
        Assert.Equal("8\n", await store.Client.QueryAsync($"SELECT count() FROM {store.Schema.QualifiedTraceSummariesTable}", "TabSeparated", CancellationToken.None));
        Assert.Equal("16\n", await store.Client.QueryAsync($"SELECT count() FROM {store.Schema.QualifiedTracesTable}", "TabSeparated", CancellationToken.None));
        var reader = new ClickHouseSpanReader((sql, ct) => store.Client.QueryBytesAsync(sql, "JSONEachRow", ct), settings.Database, flavor: SchemaFlavor.Legacy);
        var read = await TestSummaries.ReadAsync(reader, summaries);
        foreach (var summary in summaries)
        {
            TestSummaries.AssertReadBackEqual(summary, read[summary.TraceId.ToHex()], SchemaFlavor.Legacy);
        }
    }
}
