using ActorTracing.Node.Topology;

namespace ActorTracing.Cli.Up;

/// <summary>
/// The nodes of a cluster file running as local processes, plus the local services they need:
/// what `up` runs until Ctrl-C and what `bench --cluster` measures. Starts services, then the
/// nodes seeds first, and waits until each one listens; stops nodes non-seeds first, then the
/// services it started. A start that fails or is cancelled half-way stops what it had started.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(90);

    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(60);

    private readonly List<NodeProcess> _running = [];
    private readonly LocalServices _services;
    private readonly TextWriter _log;
    private bool _nodesStopped;

    private LocalCluster(ClusterTopology topology, string clusterFile, IReadOnlyList<TopologyNode> nodes, string dataRoot, TextWriter log)
    {
        Topology = topology;
        ClusterFile = clusterFile;
        DataRoot = dataRoot;
        _log = log;
        _services = new LocalServices(dataRoot, log);
        // Seeds first, so the first seed forms the cluster and the others join it.
        Planned = [.. nodes.OrderBy(n => topology.SeedNodes.Contains(n.Name) ? topology.SeedNodes.ToList().IndexOf(n.Name) : int.MaxValue)];
    }

    public ClusterTopology Topology { get; }

    public string ClusterFile { get; }

    public string DataRoot { get; }

    /// <summary>The nodes this cluster runs, in start order.</summary>
    public IReadOnlyList<TopologyNode> Planned { get; }

    public IReadOnlyList<NodeProcess> Nodes => _running;

    public string LogDirectory => Path.Combine(DataRoot, "logs");

    /// <summary>Completes with the first node process that exits on its own (a crash, a failed start).</summary>
    public Task<NodeProcess> FirstExit => Task.WhenAny(_running.Select(async p =>
    {
        await p.Exited.ConfigureAwait(false);
        return p;
    })).Unwrap();

    /// <summary>
    /// Starts the services of <paramref name="topology"/> that point at this machine and are not
    /// running (unless <paramref name="startServices"/> is false), then <paramref name="nodes"/>
    /// (default: every node of the file), each with <paramref name="extraNodeArguments"/> after its
    /// `node --cluster FILE --node NAME --data DIR` (e.g. `--config bench.conf`).
    /// </summary>
    /// <exception cref="TimeoutException">A node exited or did not listen in time (its log is named).</exception>
    /// <exception cref="InvalidOperationException">A node's port is already taken, or a service did not start.</exception>
    public static async Task<LocalCluster> StartAsync(
        ClusterTopology topology,
        string clusterFile,
        string dataRoot,
        TextWriter log,
        CancellationToken cancellationToken,
        IReadOnlyList<TopologyNode>? nodes = null,
        bool startServices = true,
        IReadOnlyList<string>? extraNodeArguments = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var cluster = new LocalCluster(topology, Path.GetFullPath(clusterFile), nodes ?? topology.Nodes, Path.GetFullPath(dataRoot), log);
        try
        {
            // Before anything starts: a port already answering would make a foreign process look
            // like our node being ready (and the bench would measure it).
            await cluster.RefuseTakenPortsAsync().ConfigureAwait(false);
            if (startServices)
            {
                await cluster._services.StartAsync(topology.Services, cancellationToken).ConfigureAwait(false);
            }
            foreach (var node in cluster.Planned)
            {
                cluster._running.Add(NodeProcess.Start(node, cluster.ClusterFile, cluster.DataRoot, extraNodeArguments ?? []));
            }
            await cluster.WaitReadyAsync(DefaultReadyTimeout, cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops the nodes, non-seeds first and seeds last, so the cluster keeps a seed while the
    /// others leave and hand off; each gets SIGTERM (hand-off, storage flush) and is killed after
    /// <see cref="DefaultStopTimeout"/>. Services keep running until <see cref="DisposeAsync"/>.
    /// </summary>
    public async Task StopNodesAsync()
    {
        if (_nodesStopped)
        {
            return;
        }
        _nodesStopped = true;
        foreach (var p in _running.OrderBy(p => Topology.SeedNodes.Contains(p.Node.Name) ? 1 : 0))
        {
            p.Terminate();
            if (!await p.WaitForExitAsync(DefaultStopTimeout).ConfigureAwait(false))
            {
                await _log.WriteLineAsync($"node {p.Node.Name} did not stop within {DefaultStopTimeout.TotalSeconds:0}s; killing it").ConfigureAwait(false);
                p.KillHard();
            }
            else
            {
                await _log.WriteLineAsync($"node {p.Node.Name} stopped (exit {p.ExitCode})").ConfigureAwait(false);
            }
            p.Dispose();
        }
    }

    /// <summary>Stops the nodes (if not yet) and then the services this cluster started.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopNodesAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RefuseTakenPortsAsync()
    {
        foreach (var n in Planned)
        {
            foreach (var (key, port) in Ports(n))
            {
                if (await LocalServices.IsOpenAsync(n.Host, port).ConfigureAwait(false))
                {
                    throw new InvalidOperationException(
                        $"node {n.Name}: {n.Host}:{port} ({key}) is already in use — is another `up`, `node` or `bench --cluster` running on {Path.GetFileName(ClusterFile)}? Stop it or use a cluster file with other ports.");
                }
            }
        }
    }

    /// <summary>The ports a node binds, by their cluster-file key.</summary>
    internal static IEnumerable<(string Key, int Port)> Ports(TopologyNode n)
    {
        yield return ("akka-port", n.AkkaPort);
        if (n.HasRole(ClusterTopology.IngestRole))
        {
            yield return ("otlp-grpc-port", n.OtlpGrpcPort);
            yield return ("otlp-http-port", n.OtlpHttpPort);
        }
        if (n.HasRole(ClusterTopology.QueryRole))
        {
            yield return ("query-port", n.QueryPort);
        }
        yield return ("admin-port", n.AdminPort);
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var p in _running)
        {
            var deadline = DateTime.UtcNow + timeout;
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
                    throw new TimeoutException($"node {p.Node.Name} did not open {p.Node.Host}:{port} within {timeout.TotalSeconds:0}s; see {p.LogPath}");
                }
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
