using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorTracing.Bench.Tests;

/// <summary>
/// A real clickhouse-server through scripts/clickhouse-server.sh (what `up` and `bench --cluster`
/// start for a cluster file's shards), on free ports and a throwaway directory.
/// </summary>
internal sealed class ClickHouseServer : IAsyncDisposable
{
    private ClickHouseServer(string directory, int httpPort)
    {
        Directory = directory;
        Endpoint = new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/");
    }

    public string Directory { get; }

    public Uri Endpoint { get; }

    public static async Task<ClickHouseServer> StartAsync()
    {
        var server = new ClickHouseServer(Path.Combine(Path.GetTempPath(), "actortracing-bench-ch-" + Guid.NewGuid().ToString("N")[..12]), FreePort());
        await RunScriptAsync("start", server.Directory, server.Endpoint.Port.ToString(CultureInfo.InvariantCulture), FreePort().ToString(CultureInfo.InvariantCulture));
        return server;
    }

    public async ValueTask DisposeAsync() => await RunScriptAsync("stop", Directory, "--purge");

    /// <summary>Free now; another process could take it before it is bound, which then fails loudly.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Script()
    {
        // The artifacts path may be outside the repository; the sources' location still finds it.
        var fromSource = Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", "..", "scripts", "clickhouse-server.sh"));
        return File.Exists(fromSource) ? fromSource : throw new InvalidOperationException($"scripts/clickhouse-server.sh not found at {fromSource}");
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static async Task RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script());
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"clickhouse-server.sh {arguments[0]} failed ({process.ExitCode}): {await stderr} (clickhouse-server is installed by ./test.sh)");
        }
    }
}
