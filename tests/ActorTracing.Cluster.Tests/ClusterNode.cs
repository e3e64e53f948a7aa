using System.Collections.Concurrent;
using ActorTracing.Actors.Cluster;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Node.Configuration;
using ActorTracing.Node.Pipeline;
using ActorTracing.Protocol;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Serialization;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote;
using Akka.Remote.Transport;

namespace ActorTracing.Cluster.Tests;

/// <summary>
/// One cluster member as a node would run it: the shipped akka.conf (SBR, sharding), our
/// serializer, region role, and either the TraceActor shard region (process role) or a proxy.
/// </summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    public static readonly TraceSampler KeepAll = new(SamplingRules.KeepAll);

    private ClusterNode(string name, string region, ActorSystem system, IActorRef shardRegion, PipelineGauges gauges, ShardHomes homes)
    {
        Homes = homes;
        Name = name;
        Region = region;
        System = system;
        ShardRegion = shardRegion;
        Gauges = gauges;
    }

    public string Name { get; }

    public string Region { get; }

    public ActorSystem System { get; }

    public IActorRef ShardRegion { get; }

    public PipelineGauges Gauges { get; }

    public ShardHomes Homes { get; }

    /// <summary>The node's real ingress (admission + partition guard), as the OTLP receivers use it.</summary>
    public ShardingIngress Ingress { get; private set; } = null!;

    /// <summary>What this node's ingest sent to owners on other nodes and they have not confirmed.</summary>
    public Redelivery Redelivery { get; private set; } = null!;

    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    public Address Address => Cluster.SelfAddress;

    public static ClusterNode Start(
        string name,
        string region,
        bool process,
        ConcurrentQueue<(string Node, TraceDecided Decided)> outcomes,
        TraceActorSettings trace,
        string extraHocon = "",
        TraceSampler? sampler = null,
        TimeSpan? redeliverAfter = null)
    {
        var roles = process ? $"[\"process\", \"region-{region}\"]" : $"[\"ingest\", \"region-{region}\"]";
        var config = ConfigurationFactory.ParseString($$"""
            {{extraHocon}}
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.cluster.roles = {{roles}}
            akka.loglevel = WARNING
            akka.actor.serializers.{{ProtocolSerializationHostingExtensions.SerializerName}} = "{{typeof(ProtocolSerializer).AssemblyQualifiedName}}"
            akka.actor.serialization-bindings { "{{typeof(IProtocolMessage).AssemblyQualifiedName}}" = {{ProtocolSerializationHostingExtensions.SerializerName}} }
            akka.actor.serialization-identifiers { "{{typeof(ProtocolSerializer).AssemblyQualifiedName}}" = {{ProtocolSerializer.SerializerId}} }
            """)
            .WithFallback(ConfigurationFactory.ParseString(HoconDefaults.Read("akka.conf")))
            .WithFallback(ClusterSharding.DefaultConfig());
        var system = ActorSystem.Create("actortracing", config);
        var gauges = new PipelineGauges();
        var sharding = ClusterSharding.Get(system);
        var extractor = new TraceMessageExtractor(trace.NumberOfShards);
        IActorRef shardRegion;
        if (process)
        {
            var sink = new RecordingSink(name, outcomes);
            var cache = new DecisionCache(10_000, TimeSpan.FromMinutes(5));
            var settings = ClusterShardingSettings.Create(system).WithRole("process");
            shardRegion = sharding.Start(
                TraceShardingHostingExtensions.TypeName,
                shardId => TraceShardActor.Props(shardId, trace, sampler ?? KeepAll, cache, sink, gauges),
                settings,
                extractor,
                sharding.DefaultShardAllocationStrategy(settings),
                TraceCommands.HandOffStop.Instance);
        }
        else
        {
            shardRegion = sharding.StartProxy(TraceShardingHostingExtensions.TypeName, "process", extractor);
        }
        ActorRegistry.For(system).Register<TraceRegion>(shardRegion);
        var homes = new ShardHomes(extractor);
        system.ActorOf(ShardHomeTracker.Props(homes, shardRegion, TraceShardingHostingExtensions.TypeName, "process", TimeSpan.FromMilliseconds(500), process ? sampler : null), "shard-homes");
        var node = new ClusterNode(name, region, system, shardRegion, gauges, homes);
        var nodeSettings = NodeSettings.Create(HoconDefaults.Load());
        node.Redelivery = new Redelivery(homes, nodeSettings.MaxUnconfirmedBytes, redeliverAfter ?? nodeSettings.RedeliverAfter, trace.Completion.TraceTimeout);
        system.ActorOf(RedeliveryActor.Props(node.Redelivery, shardRegion), "redelivery");
        node.Ingress = new ShardingIngress(ActorRegistry.For(system), gauges, () => 0, nodeSettings, homes, node.Redelivery);
        return node;
    }

    public static TraceActorSettings FastTraces(TimeSpan? timeout = null) => TraceActorSettings.Default with
    {
        Completion = new CompletionSettings(TimeSpan.FromMilliseconds(500), timeout ?? TimeSpan.FromSeconds(10), 1000, 10_000_000),
        NumberOfShards = 30,
    };

    /// <summary>Durable decisions in the Redis journal on <paramref name="redis"/>, under <paramref name="keyPrefix"/>.</summary>
    public static string RedisJournal(ActorTracing.Persistence.Redis.Tests.RedisServerFixture redis, string keyPrefix) => $$"""

        akka.persistence.journal.plugin = "akka.persistence.journal.redis"
        akka.persistence.journal.redis {
          class = "ActorTracing.Persistence.Redis.RedisJournal, ActorTracing.Persistence.Redis"
          configuration-string = "{{redis.ConfigurationString}}"
          key-prefix = "{{keyPrefix}}"
          single-event-prefixes = ["{{TraceShardActor.PersistenceIdPrefix}}"]
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.no-snapshot-store"
        """;

    /// <summary>Every node joins through <paramref name="seed"/>; returns once all see each other Up.</summary>
    public static async Task JoinAll(IReadOnlyList<ClusterNode> nodes, ClusterNode seed)
    {
        foreach (var node in nodes)
        {
            await node.Cluster.JoinSeedNodesAsync([seed.Address]).ConfigureAwait(false);
        }
        await CrossRegionStitchingSpec.Until(() => nodes.All(n => n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == nodes.Count), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    /// <summary>Returns once this node's coordinator knows <paramref name="regions"/> shard regions (so allocation spreads over them).</summary>
    public Task UntilShardRegions(int regions) => CrossRegionStitchingSpec.Until(
        () => ShardRegion.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(1))).Result.Regions.Count == regions,
        TimeSpan.FromSeconds(20));

    /// <summary>
    /// Nothing this node sends reaches <paramref name="other"/> and nothing from it arrives here
    /// (the throttler transport in blackhole mode; needs <c>applied-adapters = ["trttl"]</c>).
    /// </summary>
    public async Task Blackhole(ClusterNode other)
        => Assert.True(await ((IRemoteActorRefProvider)((ExtendedActorSystem)System).Provider).Transport
            .ManagementCommand(new SetThrottle(other.Address, ThrottleTransportAdapter.Direction.Both, Akka.Remote.Transport.Blackhole.Instance)).ConfigureAwait(false));

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }
}
