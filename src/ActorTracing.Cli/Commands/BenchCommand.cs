using System.Globalization;
using ActorTracing.Bench;
using ActorTracing.Cli.Up;
using ActorTracing.Node.Topology;
using ActorTracing.Storage;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// `actortracing bench [--quick] [--out DIR] [--cluster cluster.yml] [--latency-max SPANS_PER_S]`: runs the benchmark
/// scenarios, with the load generator as child processes of this same CLI (`loadgen`), and writes
/// report.json, report.md and SVG charts to DIR. Without --cluster the target is one node in a
/// process of its own (`bench-node`, a child of this one); with it, the cluster file's nodes
/// started as `up` starts them (services, then nodes, seeds first), each writing to a database of
/// this run. Either is stopped again at the end, on Ctrl-C, SIGTERM or failure.
/// </summary>
public static class BenchCommand
{
    /// <summary>Exit code when the run was cancelled (Ctrl-C / SIGTERM): 128 + SIGINT, as shells report it.</summary>
    public const int CancelledExitCode = 130;

    public static async Task<int> RunAsync(CliArgs args)
    {
        var quick = args.Flag("quick");
        var clusterFile = args.String("cluster");
        var output = args.String("out") ?? Path.Combine(".data", clusterFile is null ? (quick ? "bench-quick" : "bench") : (quick ? "bench-cluster-quick" : "bench-cluster"));
        var protocol = args.String("protocol") ?? "http";
        var data = args.String("data") ?? Path.Combine(".data", clusterFile is null ? "bench" : "bench-cluster-data");
        var second = args.String("second-endpoint");
        var latencyMax = args.Number("latency-max");
        args.RejectUnknown();
        if (protocol is not ("http" or "grpc"))
        {
            throw new CliException($"--protocol: expected http or grpc, got '{protocol}'");
        }
        if (second is not null && clusterFile is null)
        {
            throw new CliException("--second-endpoint needs --cluster: the bench's own node forms a cluster of its own, so a node elsewhere would never see the probes' first halves");
        }
        var options = (quick ? BenchOptions.Quick : BenchOptions.Full) with
        {
            OutputDirectory = output,
            DataDirectory = data,
            Protocol = protocol,
            LatencyMax = latencyMax,
            SecondIngestEndpoint = second is null ? null
                : Uri.TryCreate(second, UriKind.Absolute, out var uri) ? uri : throw new CliException($"--second-endpoint: '{second}' is not an absolute URL"),
        };

        using var stop = new StopSignal();
        var generator = new ProcessLoadGenerator(NodeProcess.Self);
        Console.Error.WriteLine($"actortracing bench ({options.Mode}{(clusterFile is null ? string.Empty : ", cluster " + clusterFile)}): report to {Path.GetFullPath(output)}; load generator: {generator.Describe(new LoadGenRequest { Endpoint = new Uri("http://node/") })}");

        BenchReport report;
        try
        {
            if (clusterFile is null)
            {
                report = await new BenchRunner(options, generator, Progress, nodeCommand: NodeProcess.Self).RunAsync(stop.Token).ConfigureAwait(false);
            }
            else
            {
                var result = await RunOnClusterAsync(options, clusterFile, generator, stop.Token).ConfigureAwait(false);
                if (result.Report is null)
                {
                    return result.ExitCode;
                }
                report = result.Report;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench cancelled; what it started has been stopped.");
            return CancelledExitCode;
        }
        var files = ReportWriter.Write(report, output);
        Console.Error.WriteLine($"wrote {string.Join(", ", files.Select(Path.GetFileName))} to {Path.GetFullPath(output)}");
        Console.Out.WriteLine($"target: {report.Target.Description}");
        foreach (var t in report.Targets)
        {
            var met = t.Met switch { true => "met", false => "NOT MET", null => "not measured" };
            Console.Out.WriteLine($"{t.Name,-30} {met,-13} {t.Measured} (target {t.Target})");
        }
        return 0;
    }

    private static void Progress(string line) => Console.Error.WriteLine(line);

    /// <summary>
    /// Starts the cluster of <paramref name="clusterFile"/>, runs the scenarios against it and stops
    /// it again whatever happens. Every node gets a HOCON file of this run under the cluster file's
    /// part of its config: its own database on the ClickHouse shards (so counts are this run's) and
    /// its own Redis key prefix. A report, or null with the exit code when the run failed.
    /// </summary>
    private static async Task<(BenchReport? Report, int ExitCode)> RunOnClusterAsync(BenchOptions options, string clusterFile, ILoadGenerator generator, CancellationToken stop)
    {
        var file = Path.GetFullPath(clusterFile);
        ClusterTopology topology;
        try
        {
            topology = ClusterTopologyLoader.Load(file);
        }
        catch (TopologyException e)
        {
            throw new CliException(e.Message);
        }
        var dataRoot = Path.GetFullPath(options.DataDirectory);
        var runId = DateTime.UtcNow.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(dataRoot);
        var overlay = Path.Combine(dataRoot, $"bench-{runId}.conf");
        await File.WriteAllTextAsync(overlay, RunConfig(runId), stop).ConfigureAwait(false);
        try
        {
            return await StartAndMeasureAsync(options, topology, file, dataRoot, overlay, generator, stop).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(overlay);
        }
    }

    private static async Task<(BenchReport? Report, int ExitCode)> StartAndMeasureAsync(BenchOptions options, ClusterTopology topology, string file, string dataRoot, string overlay, ILoadGenerator generator, CancellationToken stop)
    {
        var nodeConfig = ClusterTarget.NodeConfig(topology, overlay, dataRoot);
        // Everything that can be refused is checked before a process starts.
        var storage = StorageSettings.Create(nodeConfig);
        if (storage.Engine != StorageEngine.Servers || storage.Shards.Count == 0)
        {
            throw new CliException($"--cluster: {Path.GetFileName(file)} lists no services.clickhouse.shards; the bench counts stored spans on the ClickHouse shards and cannot read each node's embedded engine from outside its process");
        }
        var points = IngestRouting.FromTopology(topology);
        if (points.Count == 0)
        {
            throw new CliException($"--cluster: no node of {Path.GetFileName(file)} has the ingest role, so nothing would receive the load");
        }
        try
        {
            _ = IngestRouting.Probe(points, options.Protocol, options.SecondIngestEndpoint);
        }
        catch (ArgumentException e)
        {
            throw new CliException("--second-endpoint: " + e.Message);
        }

        var log = Console.Error;
        LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.StartAsync(topology, file, dataRoot, log, stop, extraNodeArguments: ["--config", overlay]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            await log.WriteLineAsync($"bench: the cluster did not start: {e.Message}").ConfigureAwait(false);
            return (null, 1);
        }
        await using (cluster.ConfigureAwait(false))
        {
            await log.WriteLineAsync(UpCommand.Table(cluster.Nodes)).ConfigureAwait(false);
            using var target = ClusterTarget.Create(topology, file, [.. cluster.Nodes.Select(p => new ClusterNodeHandle(p.Node, p.Pid))], nodeConfig);
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
            try
            {
                var bench = MeasureAsync(target, options, generator, run.Token);
                var firstExit = cluster.FirstExit;
                if (await Task.WhenAny(bench, firstExit).ConfigureAwait(false) == firstExit)
                {
                    // A node that dies mid-run invalidates every figure after it: stop, do not report.
                    var dead = await firstExit.ConfigureAwait(false);
                    await log.WriteLineAsync($"bench: node {dead.Node.Name} exited with code {dead.ExitCode} during the run; see {dead.LogPath}. Stopping the cluster.").ConfigureAwait(false);
                    await run.CancelAsync().ConfigureAwait(false);
                    try
                    {
                        await bench.ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is OperationCanceledException or StorageException or HttpRequestException or InvalidOperationException)
                    {
                    }
                    return (null, 1);
                }
                return (await bench.ConfigureAwait(false), 0);
            }
            catch (TimeoutException e)
            {
                await log.WriteLineAsync($"bench: {e.Message}; logs in {cluster.LogDirectory}").ConfigureAwait(false);
                return (null, 1);
            }
            finally
            {
                await log.WriteLineAsync("stopping the cluster (nodes hand off and flush, then the services the bench started)...").ConfigureAwait(false);
                await cluster.StopNodesAsync().ConfigureAwait(false);
                await log.WriteLineAsync($"dropping this run's database {target.Database} on {target.Shards.Count} shard(s)...").ConfigureAwait(false);
                var failures = await target.DropDatabaseAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
                await log.WriteLineAsync(failures.Count == 0
                    ? $"dropped {target.Database}"
                    : $"could not drop database {target.Database} on: {string.Join("; ", failures)}").ConfigureAwait(false);
            }
        }
    }

    private static async Task<BenchReport> MeasureAsync(ClusterTarget target, BenchOptions options, ILoadGenerator generator, CancellationToken cancellationToken)
    {
        Progress("waiting for every node to see the whole cluster Up...");
        await target.WaitFormedAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return await new BenchRunner(options, generator, Progress, target).RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The HOCON every node of the run gets with `--config` (the cluster file's part still wins over it).</summary>
    internal static string RunConfig(string runId) => $"""
        # Written by `actortracing bench --cluster` for run {runId}; deleted when the run ends.
        # The run's own database on every ClickHouse shard: rows counted are this run's only.
        actortracing.storage.database = "bench_{runId}"
        # The bench's seeds repeat trace ids from run to run: a decision an earlier run left in Redis
        # (kept for decision-ttl) would make this run's spans "late" followers of it.
        actortracing.persistence.key-prefix = "actortracing-bench-{runId}:"
        """;
}
