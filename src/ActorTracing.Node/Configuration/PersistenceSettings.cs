using Akka.Configuration;

namespace ActorTracing.Node.Configuration;

/// <summary>Typed view of <c>actortracing.persistence</c> (hocon/persistence.conf).</summary>
public sealed record PersistenceSettings(bool Enabled, string Redis)
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
        return new PersistenceSettings(enabled, redis);
    }
}
