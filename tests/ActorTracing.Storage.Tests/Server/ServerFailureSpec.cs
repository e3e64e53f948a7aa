using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

[Collection(ClickHouseServersCollection.Name)]
public sealed class ServerFailureSpec(ClickHouseServersFixture servers) : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Writes_to_a_missing_database_fail_with_the_servers_error_and_are_retried_until_it_exists()
    {
        var settings = servers.Settings("missing") with { Shards = [servers.Endpoints[0]] };
        using var client = servers.Shards[0].Client();
        // The schema is deliberately not created: every insert fails as a wrong database/table would.
        var store = new ServerSpanStore(client, new ServerTraceSchema(settings.Database, settings.TtlDays));
        var writer = StorageWriter.Start(Sys, store, settings);

        foreach (var trace in TestSpans.Traces(traces: 10, spansPerTrace: 3))
        {
            writer.Enqueue(trace);
        }
        await AwaitConditionAsync(() => Task.FromResult(writer.FailedAttempts >= 2), Patience);
        Assert.Contains("code 81", writer.LastError, StringComparison.Ordinal);
        Assert.Contains($"Database {settings.Database} doesn't exist", writer.LastError, StringComparison.Ordinal);
        Assert.Equal(30, writer.PendingRows);

        await store.EnsureSchemaAsync(CancellationToken.None);
        await writer.CompleteAsync().WaitAsync(Patience);

        Assert.Equal(30, (await store.GetStatsAsync(CancellationToken.None)).Rows);
        Assert.Equal(30, writer.RowsWritten);
        Assert.Equal(0, writer.PendingRows);
    }

    [Fact]
    public async Task A_killed_shard_is_retried_until_it_is_back_while_the_other_shard_keeps_writing_and_nothing_is_lost()
    {
        await using var doomed = await ClickHouseServerProcess.StartNewAsync();
        var settings = servers.Settings("killed") with { Shards = [servers.Endpoints[0], doomed.Endpoint], RequestTimeout = TimeSpan.FromSeconds(5) };
        var stores = await settings.OpenShardsAsync(CancellationToken.None);
        var writer = ShardedStorageWriter.Start(Sys, stores, settings);
        var before = TestSpans.Traces(traces: 20, spansPerTrace: 3);
        foreach (var trace in before)
        {
            writer.Enqueue(trace);
        }
        await AwaitConditionAsync(() => Task.FromResult(writer.RowsWritten == 60), Patience);

        await doomed.KillAsync();
        // New trace ids (TestSpans numbers from the same base), so the halves can be told apart.
        var after = TestSpans.Traces(traces: 60, spansPerTrace: 3).Skip(20).ToList();
        foreach (var trace in after)
        {
            writer.Enqueue(trace);
        }
        var down = writer.Shards[1].Writer;
        var up = writer.Shards[0].Writer;
        await AwaitConditionAsync(() => Task.FromResult(down.FailedAttempts >= 2 && up.PendingRows == 0), Patience);
        Assert.True(down.PendingRows > 0, "the dead shard's rows wait in its own backlog");
        Assert.Contains(doomed.Endpoint.ToString(), down.LastError, StringComparison.Ordinal);
        Assert.Equal(0, up.FailedAttempts);

        await doomed.StartAsync();
        await writer.CompleteAsync().WaitAsync(Patience);

        var all = before.Concat(after).ToList();
        for (var shard = 0; shard < 2; shard++)
        {
            var expected = all.Where(t => ShardedStorageWriter.ShardOf(t[0].Span.TraceId, 2) == shard).Sum(t => t.Count);
            Assert.Equal(expected, (await stores[shard].GetStatsAsync(CancellationToken.None)).Rows);
        }
        Assert.Equal(180, writer.RowsWritten);
        Assert.Equal(0, writer.PendingRows);
        stores.ToList().ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Stats_of_a_dead_shard_are_reported_as_missing_not_thrown()
    {
        await using var doomed = await ClickHouseServerProcess.StartNewAsync();
        var settings = servers.Settings("deadstats") with { Shards = [servers.Endpoints[0], doomed.Endpoint], RequestTimeout = TimeSpan.FromSeconds(5) };
        var stores = await settings.OpenShardsAsync(CancellationToken.None);
        var writer = ShardedStorageWriter.Start(Sys, stores, settings);
        await doomed.KillAsync();

        var stats = await writer.GetStatsAsync(CancellationToken.None);

        Assert.Equal(1, stats.Responsive);
        Assert.Equal(1, stats.Failed);
        Assert.StartsWith($"Queried 2 shards: 1 responsive, 1 failed ({doomed.Endpoint}: ClickHouse {doomed.Endpoint}: request failed", stats.Summary, StringComparison.Ordinal);
        await writer.CompleteAsync();
        stores.ToList().ForEach(s => s.Dispose());
    }
}
