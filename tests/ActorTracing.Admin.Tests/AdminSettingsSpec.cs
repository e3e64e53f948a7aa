using Akka.Configuration;

namespace ActorTracing.Admin.Tests;

public sealed class AdminSettingsSpec
{
    [Fact]
    public void The_shipped_admin_conf_parses_to_the_documented_defaults()
    {
        var fromFile = AdminSettings.Create(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "admin.conf"))), _ => null);
        var embedded = AdminSettings.Create(null, _ => null);
        foreach (var s in new[] { fromFile, embedded })
        {
            Assert.True(s.Enabled);
            Assert.Equal("127.0.0.1", s.BindAddress);
            Assert.Equal(AdminSettings.DefaultPort, s.Port);
            Assert.Null(s.Token);
            Assert.Equal(TimeSpan.FromSeconds(3), s.AskTimeout);
            Assert.Equal(50, s.MaxChildren);
            Assert.True(s.IsLoopback);
        }
    }

    [Theory]
    [InlineData("port = 70000", "actortracing.admin.port:")]
    [InlineData("bind-address = \"admin.example\"", "actortracing.admin.bind-address:")]
    [InlineData("ask-timeout = 0s", "actortracing.admin.ask-timeout:")]
    [InlineData("max-children = 0", "actortracing.admin.max-children:")]
    public void Invalid_values_name_their_key(string hocon, string expectedStart)
    {
        var e = Assert.Throws<ConfigurationException>(() => AdminSettings.Create(ConfigurationFactory.ParseString("actortracing.admin." + hocon), _ => null));
        Assert.StartsWith(expectedStart, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("localhost", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("*", false)]
    [InlineData("10.1.2.3", false)]
    public void Loopback_is_decided_from_the_bound_address(string hostname, bool loopback)
        => Assert.Equal(loopback, AdminSettings.IsLoopbackHost(hostname));
}
