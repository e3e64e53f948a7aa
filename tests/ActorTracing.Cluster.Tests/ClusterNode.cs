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
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;

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

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }
}
