using ActorTracing.Actors.Sampling;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;

namespace ActorTracing.Admin.Tests;

/// <summary>
/// One cluster node in the test process: a real ActorSystem with remoting, the real TraceActor
/// shard region, and the node's admin endpoint on a free loopback port.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    public const string SystemName = "actortracing";

    private static readonly Lazy<TraceSampler> Sampler = new(() => new TraceSampler(
        SamplingRulesConfig.Parse(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "sampling-rules.conf"))))));

    private TestNode(ActorSystem system, string region, int port)
    {
        System = system;
        Region = region;
        Port = port;
    }

    public ActorSystem System { get; }

    public string Region { get; }

    /// <summary>Remoting port; 5 digits (Linux ephemeral range) so golden tables keep their widths when it is replaced by NODEn.</summary>
    public int Port { get; }

    public Address Address => Akka.Cluster.Cluster.Get(System).SelfAddress;

    public PipelineGauges Gauges { get; } = new();

    public DecisionCache Decisions { get; } = new(10_000, TimeSpan.FromMinutes(10));

    public DecisionLatencyHistogram Latency { get; } = new();

    public ActorRegistry Registry { get; } = new();

    public IActorRef TraceRegion { get; private set; } = ActorRefs.Nobody;

    public AdminEndpoint Admin { get; private set; } = null!;

    public string AdminTarget => $"127.0.0.1:{Admin.Port}";

    public static async Task<TestNode> StartAsync(int port, string region, bool abruptTerminate = false)
    {
        var config = ConfigurationFactory.ParseString($$"""
            # Spans cross nodes through the protocol serializer, as on a real node.
            akka.actor.serializers.{{ActorTracing.Protocol.Serialization.ProtocolSerializationHostingExtensions.SerializerName}} = "{{typeof(ActorTracing.Protocol.Serialization.ProtocolSerializer).AssemblyQualifiedName}}"
            akka.actor.serialization-bindings { "{{typeof(ActorTracing.Protocol.IProtocolMessage).AssemblyQualifiedName}}" = {{ActorTracing.Protocol.Serialization.ProtocolSerializationHostingExtensions.SerializerName}} }
            akka.actor.serialization-identifiers { "{{typeof(ActorTracing.Protocol.Serialization.ProtocolSerializer).AssemblyQualifiedName}}" = {{ActorTracing.Protocol.Serialization.ProtocolSerializer.SerializerId}} }
            akka {
              loglevel = WARNING
              actor.provider = cluster
              remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
              cluster {
                roles = ["process", "region-{{region}}"]
                # Tests down members themselves (that is what they test); no split brain resolver racing them.
                downing-provider-class = ""
                failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s }
                sharding.state-store-mode = ddata
              }
              coordinated-shutdown {
                run-by-clr-shutdown-hook = off
                exit-clr = off
                # An abrupt stop (no leave) is how a crashed node looks to the others.
                run-by-actor-system-terminate = {{(abruptTerminate ? "off" : "on")}}
              }
            }
            """);
        var system = ActorSystem.Create(SystemName, config);
        var node = new TestNode(system, region, port);
        var settings = TraceActorSettings.Default;
        var sink = new DecisionLatencySink(new NullSink(), node.Latency);
        var sharding = ClusterSharding.Get(system);
        var shardingSettings = ClusterShardingSettings.Create(system).WithRole(settings.Role);
        node.TraceRegion = await sharding.StartAsync(
            TraceShardingHostingExtensions.TypeName,
            shardId => TraceShardActor.Props(shardId, settings, Sampler.Value, node.Decisions, sink, node.Gauges),
            shardingSettings,
            new TraceMessageExtractor(settings.NumberOfShards),
            sharding.DefaultShardAllocationStrategy(shardingSettings),
            TraceCommands.HandOffStop.Instance).ConfigureAwait(false);
        node.Registry.Register<TraceRegion>(node.TraceRegion);
        node.Admin = await AdminEndpoint.StartAsync(
            new AdminSettings { BindAddress = "127.0.0.1", Port = 0 },
            new AdminSources(system) { Registry = node.Registry, Gauges = node.Gauges, DecisionLatency = node.Latency, Decisions = node.Decisions }).ConfigureAwait(false);
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync().ConfigureAwait(false);
        await System.Terminate().ConfigureAwait(false);
    }

    private sealed class NullSink : ITraceOutcomeSink
    {
        public void OnDecided(in TraceDecided decided)
        {
        }
    }
}
