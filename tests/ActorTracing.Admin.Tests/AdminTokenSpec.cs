using System.Net;
using System.Net.Http.Headers;
using ActorTracing.Cli.Admin;
using Akka.Configuration;

namespace ActorTracing.Admin.Tests;

/// <summary>
/// Off loopback the endpoint requires the bearer token on every request, /metrics included, and
/// the token never appears in an answer, an error or the settings' text.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdminTokenSpec(TestCluster cluster) : IAsyncLifetime
{
    private const string Token = "s3cret-admin-token-0123456789";
    private AdminEndpoint _endpoint = null!;

    private string Target => $"127.0.0.1:{_endpoint.Port}";

    public async Task InitializeAsync() =>
        _endpoint = await AdminEndpoint.StartAsync(
            new AdminSettings { BindAddress = "0.0.0.0", Port = 0, Token = Token },
            new AdminSources(cluster.Nodes[0].System));

    public async Task DisposeAsync() => await _endpoint.DisposeAsync();

    [Fact]
    public async Task A_missing_token_exits_4()
    {
        var result = await TestCluster.RunAsync([Target, "cluster", "show"]);
        Assert.Equal(AdminExitCodes.Unauthorized, result.ExitCode);
        Assert.Equal($"actortracing: {AdminEndpoint.UnauthorizedMessage}\n", result.Error.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task A_wrong_token_exits_4_and_neither_token_is_echoed()
    {
        const string wrong = "wrong-token-abcdefghijklmnop";
        var result = await TestCluster.RunAsync([Target, "cluster", "show", "--token", wrong, "--json"]);
        Assert.Equal(AdminExitCodes.Unauthorized, result.ExitCode);
        foreach (var secret in new[] { wrong, Token })
        {
            Assert.DoesNotContain(secret, result.Out, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_token_from_the_environment_is_accepted()
    {
        var result = await TestCluster.RunAsync([Target, "cluster", "show", "--json"], envToken: Token);
        Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
        Assert.Contains("\"members\"", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_need_the_token_too_when_one_is_configured()
    {
        using var http = new HttpClient { BaseAddress = _endpoint.Uri };
        using (var anonymous = await http.GetAsync(new Uri("metrics", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("metrics", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var scraped = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", scraped.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public void Binding_off_loopback_without_a_token_is_refused_naming_the_key()
    {
        var config = ConfigurationFactory.ParseString("actortracing.admin.bind-address = \"0.0.0.0\"");
        var e = Assert.Throws<ConfigurationException>(() => AdminSettings.Create(config, _ => null));
        Assert.StartsWith("actortracing.admin.token: expected a bearer token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weak_token_is_refused_without_repeating_it()
    {
        var config = ConfigurationFactory.ParseString("actortracing.admin { bind-address = \"0.0.0.0\", token = \"tiny-secret\" }");
        var e = Assert.Throws<ConfigurationException>(() => AdminSettings.Create(config, _ => null));
        Assert.StartsWith("actortracing.admin.token:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tiny-secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_comes_from_the_environment_and_never_prints_with_the_settings()
    {
        var settings = AdminSettings.Create(ConfigurationFactory.ParseString("actortracing.admin.bind-address = \"0.0.0.0\""), name => name == AdminSettings.TokenEnvironmentVariable ? Token : null);
        Assert.Equal(Token, settings.Token);
        Assert.False(settings.IsLoopback);
        Assert.DoesNotContain(Token, settings.ToString(), StringComparison.Ordinal);
        Assert.Contains("Token = (set)", settings.ToString(), StringComparison.Ordinal);
    }
}
