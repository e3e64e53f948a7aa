using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// A real clickhouse-server process run through scripts/clickhouse-server.sh (the same script a
/// developer uses), on free ports and a data directory of its own. Stop/kill and start again keep
/// the directory and ports, which is how the specs restart a "crashed" server.
/// </summary>
internal sealed class ClickHouseServerProcess : IAsyncDisposable
{
    public const string User = "actortracing";
    public const string Password = "s3cret";

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    private ClickHouseServerProcess(string directory, int httpPort, int tcpPort)
    {
        Directory = directory;
        HttpPort = httpPort;
        TcpPort = tcpPort;
        Endpoint = new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/");
    }

    public string Directory { get; }

    public int HttpPort { get; }

    public int TcpPort { get; }

    public Uri Endpoint { get; }

    public int Pid { get; private set; }

    public static string Script { get; } = FindScript();

    public static async Task<ClickHouseServerProcess> StartNewAsync()
    {
        RequireServerBinary();
        var directory = Path.Combine(Path.GetTempPath(), "actortracing-ch-" + Guid.NewGuid().ToString("N")[..12]);
        var (http, tcp) = (FreePort(), FreePort());
        var server = new ClickHouseServerProcess(directory, http, tcp);
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public ClickHouseHttpClient Client(string? user = User, string? password = Password, TimeSpan? timeout = null) =>
        new(Endpoint, user, password, timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Starts (or restarts on the same data) and returns once /ping answers.</summary>
    public async Task StartAsync()
    {
        var output = await RunScriptAsync("start", Directory, HttpPort.ToString(CultureInfo.InvariantCulture), TcpPort.ToString(CultureInfo.InvariantCulture), User, Password);
        Pid = int.Parse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILL: the server vanishes mid-whatever, like a crash.</summary>
    public Task KillAsync() => RunScriptAsync("kill", Directory);

    public async ValueTask DisposeAsync() => await RunScriptAsync("stop", Directory, "--purge");

    private static void RequireServerBinary()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Any(dir => File.Exists(Path.Combine(dir, "clickhouse-server")));
        if (!onPath && Environment.GetEnvironmentVariable("CLICKHOUSE_SERVER") is not { Length: > 0 })
        {
            throw new InvalidOperationException(
                "clickhouse-server is not installed, so the ClickHouse server specs cannot run. " +
                "Install it with ./test.sh (apt-get install clickhouse-server) or point CLICKHOUSE_SERVER at the binary.");
        }
    }

    private static int FreePort()
    {
        // The port is free now; another process could take it before the server binds, in which
        // case the script fails loudly ("already answers" or the server's bind error).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "scripts", "clickhouse-server.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        // The artifacts path may be outside the repository; the sources' location still finds it.
        var fromSource = Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", "..", "scripts", "clickhouse-server.sh"));
        return File.Exists(fromSource)
            ? fromSource
            : throw new InvalidOperationException($"scripts/clickhouse-server.sh not found above {AppContext.BaseDirectory} nor at {fromSource}.");
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static async Task<string> RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"clickhouse-server.sh {string.Join(' ', arguments)} did not finish within {ScriptTimeout}.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"clickhouse-server.sh {arguments[0]} failed ({process.ExitCode}): {await stderr}");
        }
        return await stdout;
    }
}
