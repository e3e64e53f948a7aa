using System.Collections.Immutable;
using ActorTracing.Actors.Cluster;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using Akka.Actor;

namespace ActorTracing.Actors.Tests.Cluster;

/// <summary>Which traces ingest refuses while shard owners are unreachable or have just left the cluster.</summary>
public sealed class ShardHomesSpec
{
    private static readonly TraceMessageExtractor Extractor = new(30);
    private static readonly Address Iad = new("akka.tcp", "actortracing", "10.0.0.1", 4053);
    private static readonly Address Sfo = new("akka.tcp", "actortracing", "10.0.0.2", 4053);

    /// <summary>Two traces, one whose shard lives on iad and one whose shard lives on sfo.</summary>
    private static (TraceId OnIad, TraceId OnSfo, ImmutableDictionary<string, Address> Homes) Traces()
    {
        var onIad = new TraceId(1, 1);
        var onSfo = Enumerable.Range(2, 1000).Select(i => new TraceId(1, (ulong)i)).First(t => Extractor.ShardOf(t) != Extractor.ShardOf(onIad));
        var homes = ImmutableDictionary<string, Address>.Empty
            .Add(Extractor.ShardOf(onIad), Iad)
            .Add(Extractor.ShardOf(onSfo), Sfo);
        return (onIad, onSfo, homes);
    }

    [Fact]
    public void A_healthy_cluster_refuses_nothing()
    {
        var (onIad, onSfo, homes) = Traces();
        var shardHomes = new ShardHomes(Extractor);
        shardHomes.Publish(ShardHomes.Snapshot.Healthy with { Homes = homes, CoordinatorHome = Iad });

        Assert.False(shardHomes.MayRefuse);
        Assert.Null(shardHomes.UnreachableOwner(onIad));
        Assert.Null(shardHomes.UnreachableOwner(onSfo));
    }

    [Fact]
    public void Traces_whose_owner_is_unreachable_or_has_just_left_are_refused_and_only_those()
    {
        var (onIad, onSfo, homes) = Traces();
        var shardHomes = new ShardHomes(Extractor);

        shardHomes.Publish(ShardHomes.Snapshot.Healthy with { Homes = homes, CoordinatorHome = Iad, Unreachable = [Sfo] });
        Assert.True(shardHomes.MayRefuse);
        Assert.Contains("unreachable", shardHomes.UnreachableOwner(onSfo));
        Assert.Null(shardHomes.UnreachableOwner(onIad));

        // Downed and removed: no longer unreachable, but its shards are not re-homed yet.
        shardHomes.Publish(ShardHomes.Snapshot.Healthy with { Homes = homes, CoordinatorHome = Iad, Departed = [Sfo] });
        Assert.False(shardHomes.IsPartitioned);
        Assert.True(shardHomes.MayRefuse);
        Assert.Contains("left the cluster", shardHomes.UnreachableOwner(onSfo));
        Assert.Null(shardHomes.UnreachableOwner(onIad));

        // Forgotten: unallocated, with the coordinator reachable, so accepted again.
        shardHomes.Publish(ShardHomes.Snapshot.Healthy with { Homes = homes.Remove(Extractor.ShardOf(onSfo)), CoordinatorHome = Iad });
        Assert.False(shardHomes.MayRefuse);
        Assert.Null(shardHomes.UnreachableOwner(onSfo));
    }
}
