using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// The query layer's read path over real ClickHouse 18.16 shards: traces written by the sharded
/// writer (each whole on its hash-picked shard) are found and read back through a fan-out over
/// one reader per shard — the same composition the node uses in servers mode.
/// </summary>
[Collection(ClickHouseServersCollection.Name)]
public sealed class ServerFanOutReadSpec(ClickHouseServersFixture servers) : TestKit
{
    [Fact]
    public async Task Traces_spread_over_two_server_shards_are_found_and_read_whole_through_the_fan_out()
    {
        var settings = servers.Settings("fanout");
        var stores = await settings.OpenShardsAsync(CancellationToken.None);
        var writer = ShardedStorageWriter.Start(Sys, stores, settings);
        var traces = TestSpans.Traces(traces: 40, spansPerTrace: 3, region: "sfo");
        foreach (var trace in traces)
        {
            writer.Enqueue(trace);
        }
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(writer.Shards, s => Assert.True(s.Writer.RowsWritten > 0, $"shard {s.Name} got no trace; the test needs both"));

        var reader = new FanOutSpanReader(stores
            .Select(s => (ISpanReader)new ClickHouseSpanReader((sql, ct) => s.Client.QueryBytesAsync(sql, "JSONEachRow", ct), settings.Database, null, SchemaFlavor.Legacy))
            .ToList());

        Assert.Equal(["checkout"], await reader.GetServicesAsync(CancellationToken.None));
        var now = DateTimeOffset.UtcNow;
        var hits = await reader.FindTraceIdsAsync(
            new TraceSearch
            {
                Service = "checkout",
                StartMinUnixNano = now.AddHours(-1).ToUnixTimeMilliseconds() * 1_000_000,
                StartMaxUnixNano = now.AddHours(1).ToUnixTimeMilliseconds() * 1_000_000,
                Limit = 100,
            },
            CancellationToken.None);
        var expected = traces.Select(t => t[0].Span.TraceId.ToHex()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, hits.Select(h => h.TraceId).Order(StringComparer.Ordinal));

        // One id from each shard, read in one call: every span of both, with its region.
        var pick = writer.Shards.Select(s => traces.First(t => ShardedStorageWriter.ShardOf(t[0].Span.TraceId, 2) == s.Index)[0].Span.TraceId.ToHex()).ToArray();
        var spans = await reader.GetSpansAsync(pick, CancellationToken.None);
        Assert.Equal(6, spans.Count);
        Assert.All(pick, id => Assert.Equal(3, spans.Count(s => s.TraceId == id)));
        Assert.All(spans, s => Assert.Equal("sfo", s.Region));
        foreach (var store in stores)
        {
            store.Dispose();
        }
    }
}
