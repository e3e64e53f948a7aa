using System.Globalization;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>
/// One or more <see cref="BenchNode"/>s in this process: `bench-node` runs one for the bench
/// (<see cref="BenchNodeHost"/>). Their counters are read directly and
/// their rows counted on the embedded engine they share (one per process); CPU, RSS and GC are
/// this process's. Several nodes must write to one database.
/// </summary>
public sealed class EmbeddedTarget : IBenchTarget
{
    private readonly IReadOnlyList<BenchNode> _nodes;
    private readonly string _process;
    private readonly Lock _gate = new();
    private NodeSample? _first;
    private NodeSample? _last;
    private long _peakRss;
    private int _idsTables;

    /// <param name="process">The process the nodes run in, for the report, e.g. "its own process (`actortracing bench-node`)".</param>
    public EmbeddedTarget(string process, params BenchNode[] nodes)
    {
        _process = process;
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Length == 0 || nodes.Any(n => n.Database != nodes[0].Database))
        {
            throw new ArgumentException("one or more nodes writing to one database", nameof(nodes));
        }
        _nodes = nodes;
        IngestPoints = [.. nodes.Select((n, i) => new IngestPoint(NodeName(n, i), n.Region, n.HttpEndpoint, n.GrpcEndpoint))];
    }

    public TimeSpan SendDelay => Primary.SendDelay;

    public IReadOnlyList<IngestPoint> IngestPoints { get; }

    public TimeSpan ProbePollInterval => TimeSpan.FromMilliseconds(20);

    private BenchNode Primary => _nodes[0];

    public BenchTarget Describe()
    {
        NodeSample? first, last;
        long peak;
        lock (_gate)
        {
            (first, last, peak) = (_first, _last, _peakRss);
        }
        var regions = _nodes.Select(n => n.Region).Distinct().ToArray();
        var pid = Environment.ProcessId;
        return new BenchTarget
        {
            Kind = BenchTarget.EmbeddedKind,
            Description = _nodes.Count == 1
                ? $"one embedded node in {_process} (region {Primary.Region}); the load generator runs as its own process"
                : $"{_nodes.Count} embedded nodes in {_process}, one cluster (regions {string.Join(", ", regions)})",
            Regions = regions,
            Storage = $"embedded chDB in the node's process, database {Primary.Database}",
            LoadRouting = IngestPoints.Count == 1 ? $"all load to {IngestPoints[0].Node}" : "by traffic-model region",
            Nodes = [.. _nodes.Select((n, i) => new BenchTargetNode(
                NodeName(n, i), n.Region, ["ingest", "process", "query"], pid,
                // CPU, RSS and GC are the whole process's: with several nodes each shows the total.
                Math.Round((last?.CpuSeconds ?? 0) - (first?.CpuSeconds ?? 0), 2), peak,
                n.Gauges.SpansReceived, n.RowsWritten,
                Math.Round(((last?.GcPauseTotalMs ?? 0) - (first?.GcPauseTotalMs ?? 0)) / 1000, 2)))],
        };
    }

    public Task<NodeSample> SampleAsync(double seconds, string phase, CancellationToken cancellationToken)
    {
        var proc = ProcReader.Read(Environment.ProcessId);
        long received = 0, buffered = 0, bytes = 0, traces = 0, decided = 0, kept = 0, rows = 0, pending = 0;
        double latencyMs = 0;
        foreach (var n in _nodes)
        {
            var g = n.Gauges;
            received += g.SpansReceived;
            buffered += g.SpansBuffered;
            bytes += g.BytesBuffered;
            traces += g.TracesBuffered;
            var d = g.TracesDecided;
            decided += d;
            latencyMs += g.MeanDecisionLatency.TotalMilliseconds * d;
            kept += g.SpansKept;
            rows += n.RowsWritten;
            pending += n.PendingRows;
        }
        var sample = new NodeSample(
            Math.Round(seconds, 3), phase, received, buffered, bytes, traces, decided, received - buffered, kept, rows, pending, latencyMs,
            proc.RssBytes, GC.GetTotalMemory(false), proc.CpuSeconds, proc.MachineBusyJiffies, proc.MachineTotalJiffies,
            GC.GetTotalPauseDuration().TotalMilliseconds);
        lock (_gate)
        {
            _first ??= sample;
            _last = sample;
            _peakRss = Math.Max(_peakRss, sample.RssBytes);
        }
        return Task.FromResult(sample);
    }

    // On the engine's thread: counted every second while the node runs, and a pool thread held
    // behind an insert here would be one the node's requests do not get.
    public Task<long> CountRowsAsync(CancellationToken cancellationToken) => Primary.Store.Engine.RunAsync(_ => Primary.CountRows(), cancellationToken);

    public Task<IReadOnlyDictionary<string, StoredTrace>> StoredTracesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(traceIds);
        var found = new Dictionary<string, StoredTrace>(StringComparer.Ordinal);
        if (traceIds.Count is > 0 and <= StoredTraceQuery.MaxInlineIds)
        {
            StoredTraceQuery.ParseInto(Primary.Query(StoredTraceQuery.Inline(Primary.TracesTable, traceIds)), found);
        }
        else if (traceIds.Count > 0)
        {
            var ids = $"{Primary.Database}.bench_ids_{Interlocked.Increment(ref _idsTables).ToString(CultureInfo.InvariantCulture)}";
            Primary.Query(StoredTraceQuery.CreateIdsTable(ids));
            try
            {
                Primary.Store.Engine.StreamInsert($"INSERT INTO {ids}", "TabSeparated", StoredTraceQuery.IdsTsv(traceIds));
                StoredTraceQuery.ParseInto(Primary.Query(StoredTraceQuery.ViaTable(Primary.TracesTable, ids)), found);
            }
            finally
            {
                Primary.Query($"DROP TABLE IF EXISTS {ids}");
            }
        }
        return Task.FromResult<IReadOnlyDictionary<string, StoredTrace>>(found);
    }

    public async Task<StorageResult> MeasureStorageAsync(CancellationToken cancellationToken)
    {
        // The summaries (and whatever else the database holds for its spans) are part of what a
        // stored span costs: merged and counted too.
        Primary.Store.MergeAllTables();
        var stats = await Primary.Store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        var companions = Primary.Store.CompanionBytesOnDisk();
        return new StorageResult(
            stats.Rows, stats.BytesOnDisk, stats.CompressedBytes, stats.UncompressedBytes,
            stats.Rows == 0 ? 0 : Math.Round((double)stats.BytesOnDisk / stats.Rows, 1),
            Math.Round(stats.CompressionRatio, 2),
            "embedded engine",
            companions);
    }

    private static string NodeName(BenchNode node, int index) => index == 0 ? "embedded" : $"embedded-{index + 1}-{node.Region}";
}
