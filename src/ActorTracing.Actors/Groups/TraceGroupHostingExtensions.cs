using ActorTracing.Actors.Traces;
using ActorTracing.Protocol.Traces;
using Akka.Cluster.Hosting;
using Akka.Hosting;

namespace ActorTracing.Actors.Groups;

public static class TraceGroupHostingExtensions
{
    public const string TypeName = "trace-group";

    /// <summary>
    /// The correlation group region (or a proxy on nodes that host no TraceActors), registered as
    /// <see cref="TraceGroupRegion"/>; TraceActors find it in the registry when correlation is on.
    /// </summary>
    public static AkkaConfigurationBuilder WithTraceGroupSharding(this AkkaConfigurationBuilder builder, TraceActorSettings settings, bool hostEntities)
    {
        var extractor = new TraceGroupMessageExtractor(settings.NumberOfShards);
        if (!hostEntities)
        {
            return builder.WithShardRegionProxy<TraceGroupRegion>(TypeName, settings.Role, extractor);
        }
        var wait = settings.Correlation.GroupWait;
        var idle = settings.Completion.TraceTimeout;
        return builder.WithShardRegion<TraceGroupRegion>(
            TypeName,
            key => TraceGroupActor.Props(key, wait, idle),
            extractor,
            new ShardOptions
            {
                Role = string.IsNullOrEmpty(settings.Role) ? null : settings.Role,
                StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.DData,
                RememberEntities = false,
            });
    }
}
