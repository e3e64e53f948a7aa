using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// Starts a private redis-server on a free loopback port with a throw-away data dir and no
/// persistence, waits until it is ready, and kills it when the tests are done. A missing
/// redis-server fails the tests (test.sh installs it): the specs are only worth anything against the
/// real server.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("actortracing-redis-").FullName;
    private Process? _process;
    private ConnectionMultiplexer? _inspector;

    public int Port { get; private set; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string ConfigurationString => $"127.0.0.1:{Port}";

    /// <summary>A connection of the tests' own, to look at what the plugins wrote.</summary>
    public IDatabase Database => (_inspector ?? throw new InvalidOperationException("Redis fixture not started")).GetDatabase(0);

    /// <summary>Calls per command name so far, from INFO commandstats (commands run by scripts included).</summary>
    public IReadOnlyDictionary<string, long> CommandCalls()
    {
        var server = (_inspector ?? throw new InvalidOperationException("Redis fixture not started")).GetServer(ConfigurationString);
        var calls = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in server.Info("commandstats").SelectMany(g => g))
        {
            // cmdstat_zadd => calls=12,usec=...
            var name = entry.Key.Replace("cmdstat_", string.Empty, StringComparison.Ordinal);
            var callsField = entry.Value.Split(',').First(f => f.StartsWith("calls=", StringComparison.Ordinal));
            calls[name] = long.Parse(callsField["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return calls;
    }

    public async Task InitializeAsync()
    {
        var executable = FindRedisServer()
            ?? throw new InvalidOperationException(
                "redis-server was not found (looked at /usr/bin/redis-server and on PATH). The Redis persistence specs run " +
                "against a real server: install it with `apt-get install redis-server` (./test.sh does this).");

        Port = FreeLoopbackPort();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", string.Empty, "--appendonly", "no", "--dir", _dataDirectory, "--daemonize", "no",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"redis-server exited with code {_process.ExitCode} before it was ready:{Environment.NewLine}{string.Join(Environment.NewLine, output)}"));

        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException(
                $"redis-server did not report ready within {StartTimeout.TotalSeconds}s:{Environment.NewLine}{string.Join(Environment.NewLine, output)}");
        }

        _inspector = await ConnectionMultiplexer.ConnectAsync($"{ConfigurationString},allowAdmin=true");
        var pong = await _inspector.GetDatabase().ExecuteAsync("PING");
        if (pong.ToString() != "PONG")
        {
            throw new InvalidOperationException($"redis-server on port {Port} answered PING with [{pong}]");
        }
    }

    public async Task DisposeAsync()
    {
        if (_inspector is not null)
        {
            await _inspector.DisposeAsync();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty temp dir is harmless.
        }
    }

    private static string? FindRedisServer()
    {
        if (File.Exists("/usr/bin/redis-server"))
        {
            return "/usr/bin/redis-server";
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
