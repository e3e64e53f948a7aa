using Akka.Hosting;
using Akka.Persistence.Hosting;

namespace ActorTracing.Persistence.Redis;

/// <summary>Akka.Hosting registration of the Redis journal and snapshot store.</summary>
public static class RedisPersistenceHostingExtensions
{
    /// <summary>
    /// Adds the Redis journal and snapshot store (one shared connection), by default as the system's
    /// default persistence plugins. The options are validated here, so a bad value fails at startup with
    /// the HOCON key it maps to (e.g. <c>akka.persistence.journal.redis.key-ttl</c>).
    /// </summary>
    /// <exception cref="Akka.Configuration.ConfigurationException">An option has an invalid value.</exception>
    public static AkkaConfigurationBuilder WithRedisPersistence(
        this AkkaConfigurationBuilder builder,
        RedisPersistenceOptions options,
        bool isDefaultPlugin = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);

        var journal = new RedisJournalOptions(options, isDefaultPlugin);
        var snapshots = new RedisSnapshotOptions(options, isDefaultPlugin);
        RedisPersistenceSettings.Create(journal.ToConfig().GetConfig(journal.PluginId), journal.PluginId);
        RedisPersistenceSettings.Create(snapshots.ToConfig().GetConfig(snapshots.PluginId), snapshots.PluginId);

        return builder.WithJournalAndSnapshot(journal, snapshots);
    }
}
