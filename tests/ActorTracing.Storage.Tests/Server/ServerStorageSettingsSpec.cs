using Akka.Configuration;

namespace ActorTracing.Storage.Tests;

public sealed class ServerStorageSettingsSpec
{
    [Fact]
    public void The_defaults_are_the_embedded_engine_with_no_shards()
    {
        var settings = StorageSettings.Create(null);

        Assert.Equal(StorageEngine.Embedded, settings.Engine);
        Assert.Empty(settings.Shards);
        Assert.Equal(string.Empty, settings.User);
        Assert.Equal(string.Empty, settings.Password);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.RequestTimeout);
        Assert.Equal(TimeSpan.FromHours(1), settings.RetentionInterval);
    }

    [Fact]
    public void Servers_mode_reads_the_shard_urls_in_order_with_credentials_and_timeout()
    {
        var settings = StorageSettings.Create(ConfigurationFactory.ParseString("""
            actortracing.storage {
              engine = servers
              shards = ["http://ch-1:8123", "https://ch-2.example:8443/clickhouse"]
              user = "writer"
              password = "p@ss"
              request-timeout = 5s
              retention-interval = 10m
            }
            """));

        Assert.Equal(StorageEngine.Servers, settings.Engine);
        Assert.Equal([new Uri("http://ch-1:8123"), new Uri("https://ch-2.example:8443/clickhouse")], settings.Shards);
        Assert.Equal("writer", settings.User);
        Assert.Equal("p@ss", settings.Password);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.RequestTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.RetentionInterval);
    }

    [Fact]
    public void The_password_never_appears_in_the_settings_text()
    {
        var settings = new StorageSettings { Shards = [new Uri("http://ch-1:8123")], User = "writer", Password = "p@ss" };

        Assert.DoesNotContain("p@ss", settings.ToString(), StringComparison.Ordinal);
        Assert.Contains("Shards = [http://ch-1:8123/], User = writer, Password = ***", settings.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("engine = chdb", "actortracing.storage.engine must be embedded or servers, but is 'chdb'.")]
    [InlineData("engine = servers", "actortracing.storage.shards must list at least one URL when engine = servers, but is '[]'.")]
    [InlineData("shards = [\"ch-1:8123\"]", "actortracing.storage.shards[0] must be an http(s) URL")]
    [InlineData("shards = [\"http://a:8123\", \"not a url\"]", "actortracing.storage.shards[1] must be an http(s) URL")]
    [InlineData("shards = [\"http://a:8123\", \"http://A:8123/\"]", "actortracing.storage.shards[1] must differ from shards[0]")]
    [InlineData("shards = [\"http://a:8123/?user=x\"]", "actortracing.storage.shards[0] must be an http(s) URL of a ClickHouse HTTP interface without a query")]
    [InlineData("request-timeout = 0s", "actortracing.storage.request-timeout must be > 0")]
    [InlineData("user = \"bad user\"", "actortracing.storage.user must be letters, digits and '_'")]
    [InlineData("retention-interval = 0s", "actortracing.storage.retention-interval must be > 0")]
    public void An_invalid_value_is_rejected_naming_its_key(string hocon, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => StorageSettings.Create(ConfigurationFactory.ParseString($"actortracing.storage {{ {hocon} }}")));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_password_is_taken_from_the_environment_and_a_configured_one_wins()
    {
        Environment.SetEnvironmentVariable(StorageSettings.PasswordEnvironmentVariable, "from-env");
        try
        {
            Assert.Equal("from-env", StorageSettings.Create(null).Password);
            Assert.Equal("from-file", StorageSettings.Create(ConfigurationFactory.ParseString("actortracing.storage.password = from-file")).Password);
            Assert.DoesNotContain("from-env", StorageSettings.Create(null).ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(StorageSettings.PasswordEnvironmentVariable, null);
        }
    }
}
