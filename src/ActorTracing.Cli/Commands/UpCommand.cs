using System.Globalization;
using ActorTracing.Cli.Up;
using ActorTracing.Node.Topology;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// `actortracing up [cluster.yml] [--data DIR] [--only a,b]`: the whole described cluster as local
/// processes for development and tests — local services it needs (Redis, ClickHouse shards) when
/// not already running, then every node (seeds first), one log file per node, a table of
/// endpoints, and a clean stop on Ctrl-C / SIGTERM (nodes hand off and flush, then services stop).
/// </summary>
public static class UpCommand
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(CliArgs args, string? clusterFile)
    {
        var file = Path.GetFullPath(clusterFile ?? "cluster.yml");
        var dataRoot = Path.GetFullPath(args.String("data") ?? ".data/up");
        var only = args.String("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var startServices = !args.Flag("no-services");
        args.RejectUnknown();

        ClusterTopology topology;
        try
        {
            topology = ClusterTopologyLoader.Load(file);
        }
        catch (TopologyException e)
        {
            throw new CliException(e.Message);
        }
        var nodes = topology.Nodes.Where(n => only is null || only.Contains(n.Name)).ToList();
        if (only is not null && only.Except(nodes.Select(n => n.Name)).FirstOrDefault() is { } unknown)
        {
            throw new CliException($"--only: no node named '{unknown}' in {file}");
        }
        // Seeds first, so the first seed forms the cluster and the others join it.
        nodes = [.. nodes.OrderBy(n => topology.SeedNodes.Contains(n.Name) ? topology.SeedNodes.ToList().IndexOf(n.Name) : int.MaxValue)];

        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        var log = Console.Error;
        await using var services = new LocalServices(dataRoot, log);
        if (startServices)
        {
            await services.StartAsync(topology.Services, stop.Token).ConfigureAwait(false);
        }

        var running = new List<NodeProcess>();
        var exitCode = 0;
        try
        {
            foreach (var node in nodes)
            {
                running.Add(NodeProcess.Start(node, file, dataRoot));
            }
            await WaitReadyAsync(running, stop.Token).ConfigureAwait(false);
            await log.WriteLineAsync(Table(topology, running)).ConfigureAwait(false);
            await log.WriteLineAsync($"cluster '{topology.Name}' up: {running.Count} nodes in {topology.Regions.Count} regions; logs in {Path.Combine(dataRoot, "logs")}; Ctrl-C to stop").ConfigureAwait(false);

            var anyExit = Task.WhenAny(running.Select(p => p.Exited));
            var stopped = Task.Delay(Timeout.Infinite, stop.Token);
            if (await Task.WhenAny(anyExit, stopped).ConfigureAwait(false) == anyExit)
            {
                var dead = running.First(p => p.HasExited);
                await log.WriteLineAsync($"node {dead.Node.Name} exited with code {dead.ExitCode}; see {dead.LogPath}. Stopping the rest.").ConfigureAwait(false);
                exitCode = 1;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (TimeoutException e)
        {
            await log.WriteLineAsync(e.Message).ConfigureAwait(false);
            exitCode = 1;
        }
        finally
        {
            await StopAllAsync(running, topology, log).ConfigureAwait(false);
        }
        return exitCode;
    }

    private static async Task WaitReadyAsync(IReadOnlyList<NodeProcess> nodes, CancellationToken cancellationToken)
    {
        foreach (var p in nodes)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            // A node is ready when its OTLP HTTP receiver (ingest nodes) or its remoting port answers.
            var port = p.Node.HasRole(ClusterTopology.IngestRole) ? p.Node.OtlpHttpPort : p.Node.AkkaPort;
            while (!await LocalServices.IsOpenAsync(p.Node.Host, port).ConfigureAwait(false))
            {
                if (p.HasExited)
                {
                    throw new TimeoutException($"node {p.Node.Name} exited with code {p.ExitCode} while starting; see {p.LogPath}");
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"node {p.Node.Name} did not open {p.Node.Host}:{port} within 90s; see {p.LogPath}");
                }
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Non-seeds first, seeds last, so the cluster keeps a seed while the others leave and hand off.</summary>
    private static async Task StopAllAsync(List<NodeProcess> running, ClusterTopology topology, TextWriter log)
    {
        foreach (var p in running.OrderBy(p => topology.SeedNodes.Contains(p.Node.Name) ? 1 : 0))
        {
            p.Terminate();
            if (!await p.WaitForExitAsync(StopTimeout).ConfigureAwait(false))
            {
                await log.WriteLineAsync($"node {p.Node.Name} did not stop within {StopTimeout.TotalSeconds:0}s; killing it").ConfigureAwait(false);
                p.KillHard();
            }
            else
            {
                await log.WriteLineAsync($"node {p.Node.Name} stopped (exit {p.ExitCode})").ConfigureAwait(false);
            }
            p.Dispose();
        }
    }

    internal static string Table(ClusterTopology topology, IReadOnlyList<NodeProcess> running)
    {
        var rows = new List<string[]> { new[] { "NODE", "REGION", "ROLES", "AKKA", "OTLP-GRPC", "OTLP-HTTP", "QUERY", "ADMIN", "PID", "LOG" } };
        foreach (var p in running)
        {
            var n = p.Node;
            string Port(int port, bool on) => on ? $"{n.Host}:{port.ToString(CultureInfo.InvariantCulture)}" : "-";
            rows.Add([
                n.Name, n.Region, string.Join(",", n.Roles), Port(n.AkkaPort, true),
                Port(n.OtlpGrpcPort, n.HasRole(ClusterTopology.IngestRole)), Port(n.OtlpHttpPort, n.HasRole(ClusterTopology.IngestRole)),
                Port(n.QueryPort, n.HasRole(ClusterTopology.QueryRole)), Port(n.AdminPort, true),
                p.Pid.ToString(CultureInfo.InvariantCulture), p.LogPath,
            ]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        return string.Join(Environment.NewLine, rows.Select(r => string.Join("  ", r.Select((c, i) => c.PadRight(widths[i]))).TrimEnd()));
    }
}
