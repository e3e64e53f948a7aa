using Akka.Configuration;

namespace ActorTracing.Query.Tests;

public sealed class QuerySettingsSpec
{
    [Fact]
    public void The_embedded_query_conf_gives_the_documented_defaults()
    {
        var settings = QuerySettings.Create(null);
        Assert.Equal(new QuerySettings(), settings);
        Assert.Equal("127.0.0.1:16686", settings.Endpoint);
        Assert.Equal(System.Net.IPAddress.Loopback, settings.IPEndPoint.Address);
        Assert.Equal(16686, settings.IPEndPoint.Port);
    }

    [Fact]
    public void The_query_conf_file_in_the_repository_parses_and_has_every_key_commented()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "query.conf"));
        var config = ConfigurationFactory.ParseString(text).GetConfig(QuerySettings.Section);
        foreach (var key in new[] { "enabled", "endpoint", "default-limit", "max-limit", "default-lookback", "query-timeout", "ui-enabled", "overview-poll-interval" })
        {
            Assert.True(config.HasPath(key), key);
            var line = Array.FindIndex(text.Split('\n'), l => l.TrimStart().StartsWith(key + " ", StringComparison.Ordinal));
            Assert.StartsWith("#", text.Split('\n')[line - 1].TrimStart(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_node_config_overrides_keys_and_keeps_the_rest()
    {
        var settings = QuerySettings.Create(ConfigurationFactory.ParseString("actortracing.query { endpoint = \"*:0\", max-limit = 50, query-timeout = 5s }"));
        Assert.Equal(System.Net.IPAddress.Any, settings.IPEndPoint.Address);
        Assert.Equal(50, settings.MaxLimit);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.QueryTimeout);
        Assert.Equal(20, settings.DefaultLimit);
    }

    [Theory]
    [InlineData("endpoint = \"nohost\"", "actortracing.query.endpoint")]
    [InlineData("endpoint = \"example.com:80\"", "actortracing.query.endpoint")]
    [InlineData("endpoint = \"127.0.0.1:70000\"", "actortracing.query.endpoint")]
    [InlineData("default-limit = 0", "actortracing.query.default-limit")]
    [InlineData("max-limit = 5", "actortracing.query.max-limit")]
    [InlineData("default-lookback = 0s", "actortracing.query.default-lookback")]
    [InlineData("query-timeout = 0s", "actortracing.query.query-timeout")]
    [InlineData("query-timeout = soon", "actortracing.query.query-timeout")]
    [InlineData("overview-poll-interval = 10ms", "actortracing.query.overview-poll-interval")]
    [InlineData("max-limit = lots", "actortracing.query.max-limit")]
    public void An_invalid_value_fails_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => QuerySettings.Create(ConfigurationFactory.ParseString($"actortracing.query {{ {hocon} }}")));
        Assert.StartsWith(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_settings_skip_validation_of_the_rest()
    {
        var settings = QuerySettings.Create(ConfigurationFactory.ParseString("actortracing.query { enabled = off, endpoint = \"nonsense\" }"));
        Assert.False(settings.Enabled);
    }
}
