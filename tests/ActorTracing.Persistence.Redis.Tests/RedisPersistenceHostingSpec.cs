using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// WithRedisPersistence: the HOCON it adds makes both plugins the defaults with the given options, an
/// ActorSystem built from it persists to Redis, and bad options fail at registration naming the key.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisPersistenceHostingSpec
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly RedisServerFixture _redis;

    public RedisPersistenceHostingSpec(RedisServerFixture redis) => _redis = redis;

    [Fact]
    public void The_journal_and_snapshot_store_become_the_default_plugins_with_the_given_options()
    {
        var config = Build(Options("hosting:"));

        Assert.Equal("akka.persistence.journal.redis", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.redis", config.GetString("akka.persistence.snapshot-store.plugin"));
        foreach (var path in new[] { RedisPersistence.JournalConfigPath, RedisPersistence.SnapshotStoreConfigPath })
        {
            var settings = RedisPersistenceSettings.Create(config.GetConfig(path), path);
            Assert.Equal(_redis.ConfigurationString, settings.ConfigurationString);
            Assert.Equal("hosting:", settings.KeyPrefix);
            Assert.Equal(TimeSpan.FromMinutes(30), settings.KeyTtl.DefaultTtl);
            Assert.Equal(TimeSpan.FromHours(2), settings.KeyTtl.For("trace-1"));
            Assert.Equal(TimeSpan.FromMilliseconds(1500), settings.KeyTtl.For("short-1"));
            Assert.NotEmpty(config.GetString($"{path}.class"));
        }
        // What the trace shards' batched decision lookups go by (the node registers Redis this way).
        Assert.True(RedisJournal.AnswersReadFirstEvents(config, string.Empty));
    }

    [Fact]
    public void Not_as_default_plugin_leaves_the_default_plugins_alone()
    {
        var config = Build(Options("hosting:"), isDefaultPlugin: false);

        Assert.NotEqual("akka.persistence.journal.redis", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(_redis.ConfigurationString, config.GetString("akka.persistence.journal.redis.configuration-string"));
    }

    [Fact]
    public void Custom_identifiers_place_the_plugins_under_their_own_paths()
    {
        var options = Options("hosting:");
        options.JournalIdentifier = "redis-traces";
        options.SnapshotStoreIdentifier = "redis-traces";
        options.SingleEventPrefixes.Add("trace-");

        var config = Build(options);
        Assert.Equal(["trace-"], RedisPersistenceSettings.Create(config.GetConfig("akka.persistence.journal.redis-traces"), "akka.persistence.journal.redis-traces").SingleEventPrefixes);

        Assert.Equal("akka.persistence.journal.redis-traces", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(typeof(RedisJournal), Type.GetType(config.GetString("akka.persistence.journal.redis-traces.class")));
        Assert.Equal(500, config.GetInt("akka.persistence.journal.redis-traces.page-size"));
        Assert.True(RedisJournal.AnswersReadFirstEvents(config, "akka.persistence.journal.redis-traces"));
    }

    [Fact]
    public void An_invalid_option_fails_at_registration_naming_the_key()
    {
        var options = Options("hosting:");
        options.KeyTtlByPrefix["trace-"] = TimeSpan.FromSeconds(-1);

        var error = Assert.Throws<ConfigurationException>(() => Build(options));

        Assert.StartsWith("akka.persistence.journal.redis.key-ttl-by-prefix.\"trace-\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_actor_system_built_from_the_registration_persists_to_redis_with_the_prefix_ttl()
    {
        var prefix = $"hosting-{Guid.NewGuid():N}:";
        var pid = $"trace-{Guid.NewGuid():N}";
        var system = ActorSystem.Create("hosted", Build(Options(prefix)));
        try
        {
            var counter = system.ActorOf(CounterActor.PropsFor(pid));
            await counter.Ask<CounterCommands.Added>(new CounterCommands.Add("a"), Timeout);
            await counter.Ask<CounterCommands.SnapshotTaken>(CounterCommands.TakeSnapshot.Instance, Timeout);
        }
        finally
        {
            await system.Terminate();
        }

        foreach (var key in new[] { $"{prefix}j:{{{pid}}}", $"{prefix}j:{{{pid}}}:highest", $"{prefix}s:{{{pid}}}" })
        {
            var ttl = await _redis.Database.KeyTimeToLiveAsync(key);
            Assert.True(ttl.HasValue, $"{key} has no TTL");
            Assert.InRange(ttl.Value, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
        }
    }

    private RedisPersistenceOptions Options(string keyPrefix)
    {
        var options = new RedisPersistenceOptions
        {
            ConfigurationString = _redis.ConfigurationString,
            KeyPrefix = keyPrefix,
            KeyTtl = TimeSpan.FromMinutes(30),
        };
        options.KeyTtlByPrefix["trace-"] = TimeSpan.FromHours(2);
        options.KeyTtlByPrefix["short-"] = TimeSpan.FromMilliseconds(1500);
        return options;
    }

    private static Config Build(RedisPersistenceOptions options, bool isDefaultPlugin = true)
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), "hosting-spec");
        builder.WithRedisPersistence(options, isDefaultPlugin);
        return builder.Configuration.Value;
    }
}
