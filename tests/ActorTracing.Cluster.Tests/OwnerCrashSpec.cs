using System.Collections.Concurrent;
using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Otlp;
using ActorTracing.Persistence.Redis.Tests;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster;

namespace ActorTracing.Cluster.Tests;

/// <summary>
/// An owner crashes with spans other nodes' ingest sent it still buffered (their traces open).
/// Owners confirm a message once its trace is decided, not once buffered, so the sending node
/// still holds those spans and sends them again to the shard's next home, where the traces are
/// decided — none lost. The crash is made honest in-process: from its moment nothing the victim
/// does reaches anyone (transport blackholed both ways, its journal stopped so nothing is
/// written, its outcomes after that moment discarded), then its actor system is terminated.
/// </summary>
public sealed class OwnerCrashSpec : IAsyncLifetime
{
    private const string Hocon = """
        akka.remote.dot-netty.tcp.applied-adapters = ["trttl"]
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.cluster.run-coordinated-shutdown-when-down = off
        """;

    private readonly RedisServerFixture _redis = new();
    private readonly ConcurrentQueue<(string Node, TraceDecided Decided)> _outcomes = new();
    private readonly List<ClusterNode> _nodes = [];

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        var hocon = Hocon + ClusterNode.RedisJournal(_redis, $"owner-crash-{Guid.NewGuid():N}:");
        // Root-less traces stay open until trace-timeout: long enough to crash the owner first.
        var trace = ClusterNode.FastTraces(TimeSpan.FromSeconds(6)) with { DurableDecisions = true };
        var survivor = ClusterNode.Start("iad-1", "iad", process: true, _outcomes, trace, hocon, redeliverAfter: TimeSpan.FromSeconds(1));
        _nodes.Add(survivor);
        _nodes.Add(ClusterNode.Start("iad-2", "iad", process: true, _outcomes, trace, hocon, redeliverAfter: TimeSpan.FromSeconds(1)));
        await ClusterNode.JoinAll(_nodes, survivor);
        await survivor.UntilShardRegions(2);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes.Where(n => !n.System.WhenTerminated.IsCompleted))
        {
            await node.DisposeAsync();
        }
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Spans_another_node_sent_to_an_owner_that_crashes_with_them_buffered_are_decided_at_the_shards_next_home()
    {
        var (survivor, victim) = (_nodes[0], _nodes[1]);
        // Every shard allocated and known, and every confirmation of the warm-up in.
        for (ulong i = 0; i < 300; i++)
        {
            Assert.True(survivor.Ingress.Submit([Trace(100_000 + i, (1, 0, 0))], "test").Accepted);
        }
        await CrossRegionStitchingSpec.Until(() => _nodes.All(n => n.Homes.KnownShards == 30) && _outcomes.Count == 300, TimeSpan.FromSeconds(20));
        await CrossRegionStitchingSpec.Until(() => survivor.Redelivery.Unconfirmed.Count == 0, TimeSpan.FromSeconds(10));

        // Root-less traces owned by the victim, through the survivor's ingest: buffered there.
        var toVictim = Enumerable.Range(0, 20_000)
            .Select(i => Trace(1_000 + (ulong)i, (2, 1, 5), (3, 1, 6)))
            .Where(t => survivor.Homes.HomeOf(t.TraceId) == victim.Address)
            .Take(50)
            .ToList();
        Assert.Equal(50, toVictim.Count);
        foreach (var t in toVictim)
        {
            Assert.True(survivor.Ingress.Submit([t], "test").Accepted);
        }
        await CrossRegionStitchingSpec.Until(() => victim.Gauges.SpansBuffered == 100, TimeSpan.FromSeconds(10));
        // Buffered is not confirmed: the survivor still holds every message.
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // several confirm-intervals
        Assert.Equal(50, survivor.Redelivery.Unconfirmed.Count);

        // The crash.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await victim.Blackhole(survivor);
        await survivor.Blackhole(victim);
        var journal = Akka.Persistence.Persistence.Instance.Apply(victim.System).JournalFor(null);
        await journal.GracefulStop(TimeSpan.FromSeconds(5));
        var crashedAfter = _outcomes.Count;
        await victim.System.Terminate().WaitAsync(TimeSpan.FromSeconds(20));
        var survivorOutcomes = () => _outcomes.Skip(crashedAfter).Where(o => o.Node == "iad-1").Select(o => o.Decided);
        survivor.Cluster.Down(victim.Address);
        await CrossRegionStitchingSpec.Until(() => survivor.Cluster.State.Members.Count == 1, TimeSpan.FromSeconds(30));

        var ids = toVictim.Select(t => t.TraceId).ToHashSet();
        try
        {
            await CrossRegionStitchingSpec.Until(() => survivorOutcomes().Count(d => ids.Contains(d.TraceId)) >= ids.Count, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{survivorOutcomes().Count(d => ids.Contains(d.TraceId))} of {ids.Count} decided on the survivor; unconfirmed {survivor.Redelivery.Unconfirmed.Count}, sent again {survivor.Redelivery.Redelivered}, given up {survivor.Redelivery.GivenUp}");
        }
        var decidedAt = clock.Elapsed;
        await CrossRegionStitchingSpec.Until(() => survivor.Redelivery.Unconfirmed.Count == 0, TimeSpan.FromSeconds(10));
        Assert.True(survivor.Redelivery.GivenUp == 0, $"given up {survivor.Redelivery.GivenUp}; decided {decidedAt.TotalSeconds:0.0}s after the crash, confirmed {clock.Elapsed.TotalSeconds:0.0}s; sent again {survivor.Redelivery.Redelivered}");

        // Each decided once, fresh (the victim wrote no decision), with both its spans.
        foreach (var id in ids)
        {
            var decided = Assert.Single(survivorOutcomes(), d => d.TraceId == id);
            Assert.False(decided.IsLate);
            Assert.Equal(2, decided.Spans.Count);
        }
        Assert.True(survivor.Redelivery.Redelivered >= ids.Count);
        Assert.Equal(0, survivor.Redelivery.GivenUp);
    }

    private static TraceSpans Trace(ulong n, params (ulong Id, ulong Parent, long At)[] spans)
    {
        var id = new TraceId(0x0C4A, n);
        return new TraceSpans(id, TestSpans.Decode(id, "iad", spans));
    }
}
