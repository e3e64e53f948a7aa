using Akka.Configuration;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>reference.conf parses, gives every default, and bad values fail naming the full key.</summary>
public sealed class RedisPersistenceSettingsSpec
{
    private const string Journal = RedisPersistence.JournalConfigPath;
    private const string Snapshots = RedisPersistence.SnapshotStoreConfigPath;

    [Fact]
    public void The_embedded_reference_conf_gives_every_default_of_both_plugins()
    {
        var reference = RedisPersistence.DefaultConfig();

        var journal = RedisPersistenceSettings.Create(reference.GetConfig(Journal), Journal);
        var snapshots = RedisPersistenceSettings.Create(reference.GetConfig(Snapshots), Snapshots);

        Assert.Equal("ActorTracing.Persistence.Redis.RedisJournal, ActorTracing.Persistence.Redis", reference.GetString($"{Journal}.class"));
        Assert.Equal("ActorTracing.Persistence.Redis.RedisSnapshotStore, ActorTracing.Persistence.Redis", reference.GetString($"{Snapshots}.class"));
        Assert.Equal(typeof(RedisJournal), Type.GetType(reference.GetString($"{Journal}.class")));
        Assert.Equal(typeof(RedisSnapshotStore), Type.GetType(reference.GetString($"{Snapshots}.class")));
        foreach (var settings in new[] { journal, snapshots })
        {
            Assert.Equal("127.0.0.1:6379", settings.ConfigurationString);
            Assert.Equal(0, settings.Database);
            Assert.Equal("actortracing:", settings.KeyPrefix);
            Assert.Equal(TimeSpan.Zero, settings.KeyTtl.DefaultTtl);
            Assert.Empty(settings.KeyTtl.ByPrefix);
        }

        Assert.Equal(500, journal.PageSize);
        Assert.Equal(16, snapshots.PageSize);
    }

    [Fact]
    public void A_section_that_sets_only_the_connection_string_falls_back_to_the_defaults()
    {
        var settings = RedisPersistenceSettings.Create(ConfigurationFactory.ParseString("configuration-string = \"redis-1:6380\""), Journal);

        Assert.Equal("redis-1:6380", settings.ConfigurationString);
        Assert.Equal("actortracing:", settings.KeyPrefix);
        Assert.Equal(500, settings.PageSize);
    }

    [Fact]
    public void Per_prefix_ttls_are_read_and_the_longest_matching_prefix_wins()
    {
        var settings = RedisPersistenceSettings.Create(
            ConfigurationFactory.ParseString("""
                key-ttl = 10m
                key-ttl-by-prefix { "trace-" = 2h, "trace-debug-" = 0s, "a.b" = 90s }
                """),
            Journal);

        Assert.Equal(TimeSpan.FromHours(2), settings.KeyTtl.For("trace-0af7651916cd43dd8448eb211c80319c"));
        Assert.Equal(TimeSpan.Zero, settings.KeyTtl.For("trace-debug-1"));
        Assert.Equal(TimeSpan.FromSeconds(90), settings.KeyTtl.For("a.b-1"));
        Assert.Equal(TimeSpan.FromMinutes(10), settings.KeyTtl.For("order-1"));
        Assert.Equal(TimeSpan.FromMinutes(10), settings.KeyTtl.For("trace"));
    }

    [Theory]
    [InlineData("key-ttl = -1s", "akka.persistence.journal.redis.key-ttl")]
    [InlineData("key-ttl = banana", "akka.persistence.journal.redis.key-ttl")]
    [InlineData("key-ttl-by-prefix { \"trace-\" = -5s }", "akka.persistence.journal.redis.key-ttl-by-prefix.\"trace-\"")]
    [InlineData("key-ttl-by-prefix { \"trace-\" = soon }", "akka.persistence.journal.redis.key-ttl-by-prefix.\"trace-\"")]
    [InlineData("database = -1", "akka.persistence.journal.redis.database")]
    [InlineData("page-size = 0", "akka.persistence.journal.redis.page-size")]
    [InlineData("configuration-string = \"\"", "akka.persistence.journal.redis.configuration-string")]
    [InlineData("configuration-string = \",,,\"", "akka.persistence.journal.redis.configuration-string")]
    [InlineData("key-prefix = \"app{1}:\"", "akka.persistence.journal.redis.key-prefix")]
    public void An_invalid_value_fails_with_a_message_naming_the_exact_key(string hocon, string key)
    {
        var error = Assert.Throws<ConfigurationException>(() => RedisPersistenceSettings.Create(ConfigurationFactory.ParseString(hocon), Journal));

        Assert.StartsWith(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_in_the_snapshot_store_section_name_the_snapshot_store_key()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            RedisPersistenceSettings.Create(ConfigurationFactory.ParseString("page-size = -3"), Snapshots));

        Assert.StartsWith("akka.persistence.snapshot-store.redis.page-size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_copies_change_one_setting_and_keep_the_rest()
    {
        var settings = RedisPersistenceSettings.Create(Config.Empty, Journal);

        var changed = settings.WithDatabase(3).WithKeyPrefix("x:");

        Assert.Equal(3, changed.Database);
        Assert.Equal("x:", changed.KeyPrefix);
        Assert.Equal(settings.ConfigurationString, changed.ConfigurationString);
        Assert.Equal(0, settings.Database);
    }
}
