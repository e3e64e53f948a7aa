using Akka.Configuration;

namespace ActorTracing.Node.Configuration;

/// <summary>Typed view of <c>actortracing.persistence</c> (hocon/persistence.conf).</summary>
public sealed record PersistenceSettings(bool Enabled, string Redis, TimeSpan DecisionTtl, string KeyPrefix)
{
    public const string Section = "actortracing.persistence";

    public static PersistenceSettings Create(Config config)
    {
        var c = config.GetConfig(Section) ?? throw new ConfigurationException($"missing section {Section}");
        var enabled = c.GetBoolean("enabled", false);
        var redis = c.GetString("redis", string.Empty);
        if (enabled && string.IsNullOrWhiteSpace(redis))
        {
            throw new ConfigurationException($"{Section}.redis: expected host:port of a Redis server when {Section}.enabled = on");
        }
        var ttl = c.GetTimeSpan("decision-ttl", TimeSpan.Zero);
        if (ttl <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"{Section}.decision-ttl: expected a positive duration like 1h");
        }
        var prefix = c.GetString("key-prefix", string.Empty);
        if (string.IsNullOrEmpty(prefix))
        {
            throw new ConfigurationException($"{Section}.key-prefix: expected a non-empty prefix like \"actortracing:\"");
        }
        return new PersistenceSettings(enabled, redis, ttl, prefix);
    }
}
