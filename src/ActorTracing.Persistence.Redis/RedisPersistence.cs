using Akka.Actor;
using Akka.Configuration;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// The Redis persistence extension id and the plugins' embedded default configuration.
/// <c>RedisPersistence.Instance.Apply(system)</c> injects the defaults into the system (so
/// <c>akka.persistence.journal.plugin = "akka.persistence.journal.redis"</c> works with no other key)
/// and owns the shared Redis connections.
/// </summary>
public sealed class RedisPersistence : ExtensionIdProvider<RedisPersistenceExtension>
{
    public const string JournalConfigPath = "akka.persistence.journal.redis";
    public const string SnapshotStoreConfigPath = "akka.persistence.snapshot-store.redis";

    private const string ReferenceResource = "ActorTracing.Persistence.Redis.reference.conf";

    private static readonly Lazy<Config> Reference = new(() => ConfigurationFactory.FromResource<RedisPersistence>(ReferenceResource));

    public static RedisPersistence Instance { get; } = new();

    /// <summary>The embedded reference.conf: both plugin sections with every default.</summary>
    public static Config DefaultConfig() => Reference.Value;

    public override RedisPersistenceExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
