using System.Diagnostics;
using System.Net.Sockets;
using ActorTracing.Node.Topology;

namespace ActorTracing.Cli.Up;

/// <summary>
/// The shared services of a cluster file that point at this machine and are not already running:
/// `up` starts them (Redis with redis-server, ClickHouse shards with scripts/clickhouse-server.sh)
/// so a development cluster needs one command, and stops only what it started.
/// </summary>
public sealed class LocalServices : IAsyncDisposable
{
    private readonly List<(string Name, Func<Task> Stop)> _started = [];
    private readonly string _root;
    private readonly TextWriter _log;

    public LocalServices(string dataRoot, TextWriter log)
    {
        _root = Path.GetFullPath(Path.Combine(dataRoot, "services"));
        _log = log;
    }

    public async Task StartAsync(TopologyServices services, CancellationToken cancellationToken)
    {
        if (services.Redis is { } redis && SplitHostPort(redis) is var (rHost, rPort) && IsLoopback(rHost) && !await IsOpenAsync(rHost, rPort).ConfigureAwait(false))
        {
            var dir = Path.Combine(_root, "redis");
            Directory.CreateDirectory(dir);
            var process = Process.Start(new ProcessStartInfo("redis-server", ["--port", rPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("redis-server did not start");
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            _ = process.StandardError.ReadToEndAsync(cancellationToken);
            await WaitOpenAsync("redis", rHost, rPort, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
            _started.Add(("redis", async () =>
            {
                process.Kill();
                await process.WaitForExitAsync().ConfigureAwait(false);
            }));
            await _log.WriteLineAsync($"started redis-server on {redis} (pid {process.Id})").ConfigureAwait(false);
        }
        var script = FindScript("clickhouse-server.sh");
        for (var i = 0; i < services.ClickHouseShards.Count; i++)
        {
            var uri = new Uri(services.ClickHouseShards[i]);
            if (!IsLoopback(uri.Host) || await IsOpenAsync(uri.Host, uri.Port).ConfigureAwait(false))
            {
                continue;
            }
            var dir = Path.Combine(_root, $"clickhouse-{i}");
            // The native TCP port is unused by us but must not collide: HTTP port + 1000.
            var start = await RunAsync(script, ["start", dir, uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), (uri.Port + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken).ConfigureAwait(false);
            _started.Add(($"clickhouse-{i}", () => RunAsync(script, ["stop", dir], CancellationToken.None)));
            await _log.WriteLineAsync($"started clickhouse-server shard {i} on {uri} (pid {start.Trim()})").ConfigureAwait(false);
        }
        if (services.Kafka is { } kafka)
        {
            // No Kafka broker is started here (the compose file runs one): ingest nodes consume
            // from whatever answers at the address, and keep retrying (librdkafka reconnects with
            // backoff) while nothing does — OTLP straight to the nodes works either way.
            var reachable = SplitHostPort(kafka.Split(',')[0].Trim()) is var (kHost, kPort) && await IsOpenAsync(kHost, kPort).ConfigureAwait(false);
            await _log.WriteLineAsync(reachable
                ? $"Kafka at {kafka} (services.kafka): ingest nodes consume its topics"
                : $"note: services.kafka ({kafka}) does not answer and `up` does not start Kafka; ingest nodes keep retrying it (drop services.kafka from the file to run without it). OTLP sent to the nodes works either way.").ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            try
            {
                await _started[i].Stop().ConfigureAwait(false);
                await _log.WriteLineAsync($"stopped {_started[i].Name}").ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                await _log.WriteLineAsync($"stopping {_started[i].Name} failed: {e.Message}").ConfigureAwait(false);
            }
        }
        _started.Clear();
    }

    internal static (string Host, int Port)? SplitHostPort(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        return colon > 0 && int.TryParse(hostPort.AsSpan(colon + 1), out var port) ? (hostPort[..colon], port) : null;
    }

    internal static bool IsLoopback(string host) => host is "127.0.0.1" or "localhost" or "::1" or "[::1]";

    internal static async Task<bool> IsOpenAsync(string host, int port)
    {
        using var client = new TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    internal static async Task WaitOpenAsync(string what, string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await IsOpenAsync(host, port).ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not open {host}:{port} within {timeout.TotalSeconds:0}s");
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string FindScript(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "scripts", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return Path.Combine("scripts", name);
    }

    private static async Task<string> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
        }
        return await stdout.ConfigureAwait(false);
    }
}
