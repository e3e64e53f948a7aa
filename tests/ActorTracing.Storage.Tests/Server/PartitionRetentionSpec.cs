using Akka.Streams;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

[Collection(ClickHouseServersCollection.Name)]
public sealed class PartitionRetentionSpec(ClickHouseServersFixture servers) : TestKit
{
    [Fact]
    public async Task The_sharded_writer_enforces_ttl_days_on_every_server_shard_from_the_start()
    {
        var settings = servers.Settings("ttl") with { TtlDays = 2 };
        var stores = await settings.OpenShardsAsync(CancellationToken.None);
        var today = DateTime.UtcNow.Date;
        foreach (var store in stores)
        {
            await store.Client.ExecuteAsync(
                $"INSERT INTO {store.Schema.QualifiedTracesTable} (Timestamp, TraceId) VALUES " +
                $"('{today.AddDays(-3):yyyy-MM-dd} 12:00:00', 'expired'), ('{today.AddDays(-2):yyyy-MM-dd} 00:00:01', 'kept')",
                CancellationToken.None);
        }

        var writer = ShardedStorageWriter.Start(Sys, stores, settings);
        var retention = Assert.IsType<PartitionRetention>(writer.Retention);
        await AwaitConditionAsync(() => Task.FromResult(retention.Runs >= 1), TimeSpan.FromSeconds(30));
        await writer.CompleteAsync();

        // Per shard: one day of otel_traces and one of the lookup table.
        Assert.Equal(4, retention.PartitionsDropped);
        Assert.Equal(0, retention.Failures);
        foreach (var store in stores)
        {
            Assert.Equal("kept\n", await store.Client.QueryAsync($"SELECT TraceId FROM {store.Schema.QualifiedTracesTable}", "TabSeparated", CancellationToken.None));
            Assert.Equal("kept\n", await store.Client.QueryAsync($"SELECT TraceId FROM {store.Schema.QualifiedTraceIdTsTable}", "TabSeparated", CancellationToken.None));
            store.Dispose();
        }
    }

    [Fact]
    public async Task A_shard_that_is_down_is_counted_as_failed_and_tried_again_at_the_next_interval()
    {
        await using var doomed = await ClickHouseServerProcess.StartNewAsync();
        var settings = servers.Settings("ttldown") with { Shards = [doomed.Endpoint], RequestTimeout = TimeSpan.FromSeconds(5) };
        var store = (await settings.OpenShardsAsync(CancellationToken.None)).Single();
        await doomed.KillAsync();

        var retention = PartitionRetention.Start(Sys.Materializer(), [store], TimeSpan.FromMilliseconds(50));
        await AwaitConditionAsync(() => Task.FromResult(retention.Failures >= 2 && retention.Runs >= 2), TimeSpan.FromSeconds(30));
        await retention.StopAsync();

        Assert.Contains(doomed.Endpoint.ToString(), retention.LastError, StringComparison.Ordinal);
        Assert.Equal(0, retention.PartitionsDropped);
        store.Dispose();
    }

    [Fact]
    public async Task With_ttl_days_zero_nothing_is_ever_dropped_and_no_retention_runs()
    {
        var settings = servers.Settings("forever") with { TtlDays = 0, Shards = [servers.Endpoints[0]] };
        var stores = await settings.OpenShardsAsync(CancellationToken.None);

        var writer = ShardedStorageWriter.Start(Sys, stores, settings);

        Assert.Null(writer.Retention);
        Assert.Equal(string.Empty, stores[0].Schema.ExpiredPartitionsSql(DateTime.UtcNow));
        await writer.CompleteAsync();
        stores[0].Dispose();
    }
}
