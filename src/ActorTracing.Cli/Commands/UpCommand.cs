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

        using var stop = new StopSignal();

        var log = Console.Error;
        LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.StartAsync(topology, file, dataRoot, log, stop.Token, nodes, startServices).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            await log.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }
        await using (cluster.ConfigureAwait(false))
        {
            await log.WriteLineAsync(Table(cluster.Nodes)).ConfigureAwait(false);
            await log.WriteLineAsync($"cluster '{topology.Name}' up: {cluster.Nodes.Count} nodes in {topology.Regions.Count} regions; logs in {cluster.LogDirectory}; Ctrl-C to stop").ConfigureAwait(false);
            var anyExit = cluster.FirstExit;
            var stopped = Task.Delay(Timeout.Infinite, stop.Token);
            if (await Task.WhenAny(anyExit, stopped).ConfigureAwait(false) == anyExit)
            {
                var dead = await anyExit.ConfigureAwait(false);
                await log.WriteLineAsync($"node {dead.Node.Name} exited with code {dead.ExitCode}; see {dead.LogPath}. Stopping the rest.").ConfigureAwait(false);
                return 1;
            }
        }
        return 0;
    }

    internal static string Table(IReadOnlyList<NodeProcess> running)
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
