using ActorTracing.Actors.Traces;
using ActorTracing.Node.Configuration;
using ActorTracing.Node.Hosting;

namespace ActorTracing.Node.Tests;

/// <summary>What the node asks of the Redis journal when durable decisions are on.</summary>
public sealed class DurableDecisionStoreSpec
{
    [Fact]
    public void Trace_decisions_expire_after_decision_ttl_and_are_stored_one_string_key_each()
    {
        var settings = new PersistenceSettings(true, "redis-1:6379", TimeSpan.FromMinutes(20), "at:");

        var options = NodeHost.RedisOptions(settings);

        Assert.Equal(("redis-1:6379", "at:"), (options.ConfigurationString, options.KeyPrefix));
        Assert.Equal(TimeSpan.FromMinutes(20), options.KeyTtlByPrefix[TraceShardActor.PersistenceIdPrefix]);
        Assert.Equal([TraceShardActor.PersistenceIdPrefix], options.SingleEventPrefixes);
    }
}
