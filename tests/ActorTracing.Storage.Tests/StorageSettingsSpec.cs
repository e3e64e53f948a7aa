using Akka.Configuration;

namespace ActorTracing.Storage.Tests;

public sealed class StorageSettingsSpec
{
    [Fact]
    public void The_hocon_defaults_file_parses_and_matches_the_typed_defaults()
    {
        var fromFile = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "storage.conf")));

        Assert.Equal(new StorageSettings(), StorageSettings.Create(fromFile));
        Assert.Equal(new StorageSettings(), StorageSettings.Create(null));
    }

    [Fact]
    public void Configured_values_override_the_defaults()
    {
        var settings = StorageSettings.Create(ConfigurationFactory.ParseString("""
            actortracing.storage {
              data-directory = "/var/lib/actortracing"
              database = "traces"
              batch-size = 500
              flush-interval = 1s
              min-retry-backoff = 10ms
              max-retry-backoff = 30s
              ttl-days = 0
              embedded-open-timeout = 5m
            }
            """));

        Assert.Equal(
            new StorageSettings
            {
                DataDirectory = "/var/lib/actortracing",
                Database = "traces",
                BatchSize = 500,
                FlushInterval = TimeSpan.FromSeconds(1),
                MinRetryBackoff = TimeSpan.FromMilliseconds(10),
                MaxRetryBackoff = TimeSpan.FromSeconds(30),
                TtlDays = 0,
                EmbeddedOpenTimeout = TimeSpan.FromMinutes(5),
            },
            settings);
    }

    [Theory]
    [InlineData("batch-size = 0", "actortracing.storage.batch-size")]
    [InlineData("flush-interval = 0s", "actortracing.storage.flush-interval")]
    [InlineData("database = \"my-db\"", "actortracing.storage.database")]
    [InlineData("data-directory = \"\"", "actortracing.storage.data-directory")]
    [InlineData("ttl-days = -1", "actortracing.storage.ttl-days")]
    [InlineData("min-retry-backoff = 0ms", "actortracing.storage.min-retry-backoff")]
    [InlineData("max-retry-backoff = 50ms", "actortracing.storage.max-retry-backoff")]
    [InlineData("embedded-merge-threads = 0", "actortracing.storage.embedded-merge-threads")]
    [InlineData("embedded-merge-threads = 65", "actortracing.storage.embedded-merge-threads")]
    [InlineData("embedded-merge-thread-nice = -1", "actortracing.storage.embedded-merge-thread-nice")]
    [InlineData("embedded-merge-thread-nice = 20", "actortracing.storage.embedded-merge-thread-nice")]
    [InlineData("embedded-open-timeout = 0s", "actortracing.storage.embedded-open-timeout")]
    public void An_invalid_value_is_refused_naming_its_key(string hocon, string key)
    {
        var e = Assert.Throws<ArgumentException>(() => StorageSettings.Create(ConfigurationFactory.ParseString($"actortracing.storage {{ {hocon} }}")));
        Assert.StartsWith(key + " ", e.Message, StringComparison.Ordinal);
    }
}
