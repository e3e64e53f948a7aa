using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.DependencyInjection;
using Akka.Hosting;

namespace ActorTracing.Actors.Traces;

public static class TraceShardingHostingExtensions
{
    public const string TypeName = "trace";

    /// <summary>
    /// The entity Props factory sharding calls once per shard it starts: a producer that calls the
    /// TraceShardActor constructor directly instead of an expression bound by reflection.
    /// </summary>
    public static Func<string, Props> EntityProps(
        TraceActorSettings settings,
        TraceSampler sampler,
        DecisionCache decisions,
        ITraceOutcomeSink sink,
        PipelineGauges gauges)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(gauges);
        return shardId => TraceShardActor.Props(shardId, settings, sampler, decisions, sink, gauges);
    }

    /// <summary>
    /// Hosts the trace shard region under <see cref="TraceRegion"/>. The sampler, decision
    /// cache, outcome sink and gauges come from DI so the node (not this project) decides where
    /// kept spans go.
    /// </summary>
    public static AkkaConfigurationBuilder WithTraceSharding(this AkkaConfigurationBuilder builder, TraceActorSettings settings)
        => builder.WithTraceSharding(settings, hostEntities: true);

    /// <summary>
    /// Hosts TraceShardActors when <paramref name="hostEntities"/> (a processing node), otherwise starts
    /// a shard region proxy under the same registry key: an ingest-only node routes every trace to
    /// the processing nodes without holding any itself, and ingest code cannot tell the difference.
    /// </summary>
    public static AkkaConfigurationBuilder WithTraceSharding(this AkkaConfigurationBuilder builder, TraceActorSettings settings, bool hostEntities)
    {
        if (!hostEntities)
        {
            return builder.WithShardRegionProxy<TraceRegion>(TypeName, settings.Role, new TraceMessageExtractor(settings.NumberOfShards));
        }
        return builder.WithShardRegion<TraceRegion>(
            TypeName,
            (_, _, resolver) =>
            {
                var sampler = resolver.GetService<TraceSampler>();
                var cache = resolver.GetService<DecisionCache>();
                var sink = resolver.GetService<ITraceOutcomeSink>();
                var gauges = resolver.GetService<PipelineGauges>();
                return EntityProps(settings, sampler, cache, sink, gauges);
            },
            new TraceMessageExtractor(settings.NumberOfShards),
            new ShardOptions
            {
                Role = string.IsNullOrEmpty(settings.Role) ? null : settings.Role,
                StateStoreMode = StateStoreMode.DData,
                RememberEntities = false,
                HandOffStopMessage = TraceCommands.HandOffStop.Instance,
                // An entity is a whole shard's traces; it lives as long as the shard lives here.
                ShouldPassivateIdleEntities = false,
            });
    }
}
