using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorTracing.Storage;

namespace ActorTracing.Query.Tests;

/// <summary>
/// The UI end to end in a real browser: the API and UI over fixture data on a free port, driven
/// by browser/ui-e2e.mjs (playwright-core) in Debian's headless Chromium. Screenshots land in
/// test-results/screenshots/ of the repository. Missing tools fail the test (never skip), with the
/// command that installs them.
/// </summary>
[Collection(ChdbCollection.Name)]
public sealed class QueryUiBrowserSpec(ChdbFixture chdb)
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task Search_then_a_cross_region_trace_shows_both_region_lanes_skew_and_the_sampling_reason()
    {
        var repo = RepositoryRoot();
        var browserDir = Path.Combine(repo, "tests", "ActorTracing.Query.Tests", "browser");
        var missing = new List<string>();
        if (!File.Exists(ChromiumPath))
        {
            missing.Add(ChromiumPath);
        }
        if (!File.Exists(Path.Combine(browserDir, "node_modules", "playwright-core", "package.json")))
        {
            missing.Add("playwright-core in " + Path.Combine(browserDir, "node_modules"));
        }
        if (FindOnPath("node") is null)
        {
            missing.Add("node");
        }
        if (missing.Count > 0)
        {
            Assert.Fail($"The browser test needs {string.Join(", ", missing)}: run scripts/install-browser.sh (test.sh runs it).");
        }

        var db = ChdbFixture.UniqueDatabase("ui");
        TraceData.Write(chdb.Engine, db, TraceData.All, TraceData.Summaries);
        var overview = new FixedOverviewSource(new PipelineOverview
        {
            Node = "akka.tcp://actortracing@127.0.0.1:4053",
            IngestSpansPerSecond = 1234.5,
            SpansReceived = 100_000,
            BufferedTraces = 42,
            BufferedSpans = 420,
            DecisionsByReason = new Dictionary<string, long> { ["rules/errors"] = 12, ["probabilistic/api"] = 300 },
            Storage = [new ShardStorage("embedded", 5_000, 1_048_576, 10, true)],
            Members = [new ClusterMemberInfo("akka.tcp://actortracing@127.0.0.1:4053", "Up", TraceData.EuWest, ["region-eu-west"])],
        });
        await using var server = await QueryServer.StartAsync(ClickHouseSpanReader.ForEmbedded(chdb.Engine, db), overview: overview);

        var screenshots = Path.Combine(repo, "test-results", "screenshots");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = browserDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     "ui-e2e.mjs", server.BaseUri.ToString(), screenshots, TraceData.TraceA, TraceData.EuWest, TraceData.UsEast, "rules/slow",
                     TraceData.Hex(TraceData.A3),
                 })
        {
            start.ArgumentList.Add(arg);
        }
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            Assert.Fail($"the browser script did not finish in 2 minutes; stdout: {await stdout}");
        }
        var output = await stdout;
        Assert.True(node.ExitCode == 0, $"browser checks failed (exit {node.ExitCode}); stdout: {output}; stderr: {await stderr}");
        Assert.Contains("\"ok\":true", output, StringComparison.Ordinal);
        foreach (var shot in new[] { "search.png", "trace.png", "span-details.png", "overview.png" })
        {
            Assert.True(File.Exists(Path.Combine(screenshots, shot)), shot);
        }
    }

    /// <summary>The directory holding ActorTracing.sln, from the test binaries or (when built elsewhere) this source file.</summary>
    internal static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var startDir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? string.Empty })
        {
            for (var dir = new DirectoryInfo(startDir); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ActorTracing.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("ActorTracing.sln not found above " + AppContext.BaseDirectory);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private sealed class FixedOverviewSource(PipelineOverview overview) : IPipelineOverviewSource
    {
        public Task<PipelineOverview> GetOverviewAsync(CancellationToken cancellationToken) => Task.FromResult(overview);
    }
}
