using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace ActorTracing.Admin.Tests;

/// <summary>
/// The real Prometheus server (Debian's package) scrapes /metrics — once anonymously on loopback,
/// once with the bearer token from its scrape config — and its HTTP API must then hold our
/// series. The exposition is judged by the parser that matters, not by our own reading of it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PrometheusScrapeSpec(TestCluster cluster) : IAsyncLifetime
{
    private const string Token = "prometheus-scrape-token-0123456789";
    private AdminEndpoint _open = null!;
    private AdminEndpoint _secured = null!;

    public async Task InitializeAsync()
    {
        var system = cluster.Nodes[0].System;
        _open = await AdminEndpoint.StartAsync(new AdminSettings { Port = 0 }, MetricsFixture.Sources(system));
        _secured = await AdminEndpoint.StartAsync(new AdminSettings { BindAddress = "0.0.0.0", Port = 0, Token = Token }, new AdminSources(system));
    }

    public async Task DisposeAsync()
    {
        await _open.DisposeAsync();
        await _secured.DisposeAsync();
    }

    [Fact]
    public async Task Prometheus_scrapes_every_family_and_authenticates_with_the_token()
    {
        var binary = FindPrometheus() ?? throw new Xunit.Sdk.XunitException(
            "the `prometheus` binary is not installed: run scripts/install-prometheus.sh (./test.sh does) and re-run");
        var work = Directory.CreateTempSubdirectory("actortracing-prometheus-");
        var webPort = FreePort();
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "prometheus.yml"), $$"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: actortracing
                static_configs:
                  - targets: ['127.0.0.1:{{_open.Port}}']
              - job_name: actortracing-token
                authorization:
                  type: Bearer
                  credentials: '{{Token}}'
                static_configs:
                  - targets: ['127.0.0.1:{{_secured.Port}}']
            """);
        using var prometheus = Process.Start(new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                "--config.file=" + Path.Combine(work.FullName, "prometheus.yml"),
                "--storage.tsdb.path=" + Path.Combine(work.FullName, "data"),
                $"--web.listen-address=127.0.0.1:{webPort}",
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var log = new System.Text.StringBuilder();
        prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}/") };
            var names = new HashSet<string>();
            try
            {
                await Poll.UntilAsync(
                    async () =>
                    {
                        if (prometheus.HasExited)
                        {
                            throw new InvalidOperationException($"prometheus exited with {prometheus.ExitCode}: {log}");
                        }
                        names = await SeriesNamesAsync(api);
                        return MetricsFixture.ExpectedSeries.All(names.Contains) && await UpAsync(api, "actortracing-token");
                    },
                    TimeSpan.FromSeconds(60),
                    "prometheus to scrape both endpoints");
            }
            catch (TimeoutException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}; missing series: {string.Join(", ", MetricsFixture.ExpectedSeries.Where(n => !names.Contains(n)))}; prometheus log: {log}");
            }

            using var kept = await QueryAsync(api, "actortracing_decisions_total{decision=\"kept\",reason=\"rules/errors\"}");
            var value = kept.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString();
            Assert.Equal("1", value);
            using var up = await QueryAsync(api, "actortracing_cluster_members{status=\"up\",job=\"actortracing\"}");
            Assert.Equal("3", up.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
            work.Delete(recursive: true);
        }
    }

    private static async Task<HashSet<string>> SeriesNamesAsync(HttpClient api)
    {
        try
        {
            using var series = JsonDocument.Parse(await api.GetStringAsync(new Uri("api/v1/series?match[]=" + Uri.EscapeDataString("{__name__=~\"(actortracing|dotnet|process)_.+\"}"), UriKind.Relative)));
            return series.RootElement.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("__name__").GetString()!).ToHashSet();
        }
        catch (HttpRequestException)
        {
            // Not listening yet.
            return [];
        }
    }

    private static async Task<bool> UpAsync(HttpClient api, string job)
    {
        using var up = await QueryAsync(api, $"up{{job=\"{job}\"}}");
        var result = up.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() == "1";
    }

    private static async Task<JsonDocument> QueryAsync(HttpClient api, string promql)
        => JsonDocument.Parse(await api.GetStringAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative)));

    private static string? FindPrometheus() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "prometheus"))
            .FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
