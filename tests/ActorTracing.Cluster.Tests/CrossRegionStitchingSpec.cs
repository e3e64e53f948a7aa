using System.Collections.Concurrent;
using ActorTracing.Domain;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster;

namespace ActorTracing.Cluster.Tests;

/// <summary>
/// Three regions, three ActorSystems, one cluster over real TCP: iad and sfo process traces, fra
/// only ingests (a shard region proxy). Fragments of each trace enter through all three, cross
/// the wire through the protocol serializer, meet in one TraceActor and are decided once.
/// </summary>
public sealed class CrossRegionStitchingSpec : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Node, TraceDecided Decided)> _outcomes = new();
    private readonly List<ClusterNode> _nodes = [];

    public async Task InitializeAsync()
    {
        var trace = ClusterNode.FastTraces();
        var iad = ClusterNode.Start("iad-1", "iad", process: true, _outcomes, trace);
        _nodes.Add(iad);
        _nodes.Add(ClusterNode.Start("sfo-1", "sfo", process: true, _outcomes, trace));
        _nodes.Add(ClusterNode.Start("fra-edge", "fra", process: false, _outcomes, trace));
        foreach (var node in _nodes)
        {
            await node.Cluster.JoinSeedNodesAsync([iad.Address]).ConfigureAwait(false);
        }
        await Until(() => _nodes.All(n => n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 3), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    [Fact]
    public async Task Fragments_entering_in_three_regions_are_decided_once_as_one_stitched_trace()
    {
        var (iad, sfo, fra) = (_nodes[0], _nodes[1], _nodes[2]);
        var traces = Enumerable.Range(1, 60).Select(i => new TraceId(0xCAFE, (ulong)i)).ToArray();

        foreach (var id in traces)
        {
            // The root enters in iad; fra's child started "before" its iad parent (fra's clock is
            // 5 ms behind) and enters through the ingest-only node; sfo's grandchild enters in sfo.
            iad.ShardRegion.Tell(new TraceCommands.AppendSpans(id, TestSpans.Decode(id, "iad", (1, 0, 0), (2, 1, 10))));
            fra.ShardRegion.Tell(new TraceCommands.AppendSpans(id, TestSpans.Decode(id, "fra", (3, 2, 5))));
            sfo.ShardRegion.Tell(new TraceCommands.AppendSpans(id, TestSpans.Decode(id, "sfo", (4, 3, 20))));
        }

        await Until(() => _outcomes.Count >= traces.Length, TimeSpan.FromSeconds(30));
        // Nothing more arrives: no trace is decided twice by another node.
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var decided = _outcomes.Select(o => o.Decided).ToList();
        Assert.Equal(traces.Length, decided.Count);
        Assert.Equal(traces.OrderBy(t => t.Low), decided.Select(d => d.TraceId).OrderBy(t => t.Low));
        Assert.All(decided, d =>
        {
            Assert.Equal(4, d.Spans.Count);
            Assert.False(d.IsLate);
            var stitch = Assert.IsType<ActorTracing.Domain.Stitching.TraceStitch>(d.Stitch);
            Assert.Equal(["fra", "iad", "sfo"], stitch.Regions.Order());
            Assert.Equal(2, stitch.Edges.Count); // iad→fra and fra→sfo
            Assert.Contains(stitch.Edges, e => e.ParentRegion == "iad" && e.Region == "fra" && e.SkewNanos == 5_000_000);
            Assert.Contains(stitch.Edges, e => e.ParentRegion == "fra" && e.Region == "sfo" && e.SkewNanos == 0);
            Assert.Equal(5_000_000, stitch.MaxSkewNanos);
        });
        // Both processing nodes own shards: traces really crossed the wire in both directions.
        Assert.Equal(2, _outcomes.Select(o => o.Node).Distinct().Count());
    }

    internal static async Task Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
