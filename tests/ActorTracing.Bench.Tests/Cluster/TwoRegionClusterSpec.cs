using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

/// <summary>
/// The cluster path of the bench against real nodes of two regions and a real ClickHouse server:
/// the stitching probe with its halves through different regions' nodes
/// (<see cref="BenchOptions.SecondIngestEndpoint"/>'s path), load routed by region, and the
/// cluster target's sums from the nodes' /metrics and the shard.
/// </summary>
public sealed class TwoRegionClusterSpec(TwoRegionCluster cluster) : IClassFixture<TwoRegionCluster>
{
    private static BenchRunner Runner(BenchOptions options) =>
        new(options with { OutputDirectory = Path.GetTempPath() }, new InProcessLoadGenerator(), _ => { }, null);

    [Fact]
    public async Task Probe_halves_sent_through_nodes_of_two_regions_are_stored_as_one_whole_trace()
    {
        var (iadBefore, sfoBefore) = (cluster.Iad.Gauges.SpansReceived, cluster.Sfo.Gauges.SpansReceived);
        var options = BenchOptions.Quick with { Probes = 5, Seed = 9_000 + Random.Shared.Next(1000), SecondIngestEndpoint = cluster.Sfo.HttpEndpoint };

        var result = await Runner(options).ProbeAsync(cluster.Target, sampler: null, (0, 0), CancellationToken.None);

        Assert.True(result.CrossRegionViaTwoRegions, result.CrossRegionEndpoints);
        Assert.Contains("sfo → sfo-1", result.CrossRegionEndpoints, StringComparison.Ordinal);
        Assert.Equal((5, 0), (result.CrossRegionProbes, result.CrossRegionNeverQueryable));
        Assert.Equal((5, 0), (result.SingleRegionProbes, result.SingleRegionNeverQueryable));
        // iad took the single-region probes (3 spans) and the cross-region first halves (2); sfo the second halves.
        Assert.Equal(5 * 3 + 5 * 2, cluster.Iad.Gauges.SpansReceived - iadBefore);
        Assert.Equal(5, cluster.Sfo.Gauges.SpansReceived - sfoBefore);
    }

    [Fact]
    public async Task Load_routed_by_region_reaches_each_region_s_node_and_the_target_adds_both_up()
    {
        var (iadBefore, sfoBefore) = (cluster.Iad.Gauges.SpansReceived, cluster.Sfo.Gauges.SpansReceived);
        var request = new LoadGenRequest
        {
            Endpoint = cluster.Target.IngestPoints[0].Http,
            Routes = IngestRouting.Routes(cluster.Target.IngestPoints, "http", IngestRouting.ModelRegions),
            SpansPerSecond = 2_000,
            Duration = TimeSpan.FromSeconds(1.5),
            Seed = 77,
        };

        var run = await new InProcessLoadGenerator().RunAsync(request, CancellationToken.None);
        var sample = await cluster.Target.SampleAsync(0, "spec", CancellationToken.None);

        var (iad, sfo) = (cluster.Iad.Gauges.SpansReceived - iadBefore, cluster.Sfo.Gauges.SpansReceived - sfoBefore);
        Assert.Equal(run.SpansSent, iad + sfo);
        // iad takes its own traffic plus fra's and gru's (64% of traces), sfo its own plus sin's.
        Assert.True(iad > sfo && sfo > 0, $"iad {iad}, sfo {sfo}");
        Assert.Equal(cluster.Iad.Gauges.SpansReceived + cluster.Sfo.Gauges.SpansReceived, sample.ReceivedSpans);
        Assert.True(sample.GcHeapBytes > 0, "dotnet_total_memory_bytes comes from each node's /metrics");
    }

    [Fact]
    public async Task Stored_traces_and_rows_are_counted_on_the_shard()
    {
        var options = BenchOptions.Quick with { Probes = 3, Seed = 20_000 + Random.Shared.Next(1000) };
        await Runner(options).ProbeAsync(cluster.Target, sampler: null, (0, 0), CancellationToken.None);
        var ids = ProbeSender.Ids(options.Seed + 1, 3).Select(i => i.Trace.ToHex()).Append("00000000000000000000000000000001").ToArray();

        var stored = await cluster.Target.StoredTracesAsync(ids, CancellationToken.None);
        var rows = await cluster.Target.CountRowsAsync(CancellationToken.None);

        Assert.Equal(3, stored.Count);
        Assert.All(stored.Values, s => Assert.Equal(new StoredTrace(3, 3), s));
        Assert.True(rows >= 9, $"{rows} rows");
    }
}
