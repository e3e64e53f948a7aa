using System.Globalization;
using ActorTracing.Ingest;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>
/// The bench's <see cref="BenchNode"/>, read in its own process (`bench-node`,
/// <see cref="BenchNodeHost"/>): counters directly, rows counted on its embedded engine, CPU, RSS
/// and GC of this process.
/// </summary>
public sealed class EmbeddedTarget : IBenchTarget
{
    /// <summary>The node's name in the report and its ingest point.</summary>
    public const string NodeName = "embedded";

    private readonly BenchNode _node;
    private readonly Lock _gate = new();
    private NodeSample? _first;
    private NodeSample? _last;
    private long _peakRss;
    private int _idsTables;

    public EmbeddedTarget(BenchNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
        IngestPoints = [new IngestPoint(NodeName, node.Region, node.HttpEndpoint, node.GrpcEndpoint)];
    }

    public TimeSpan SendDelay => _node.SendDelay;

    public IReadOnlyList<IngestPoint> IngestPoints { get; }

    public TimeSpan ProbePollInterval => TimeSpan.FromMilliseconds(20);

    public BenchTarget Describe()
    {
        NodeSample? first, last;
        long peak;
        lock (_gate)
        {
            (first, last, peak) = (_first, _last, _peakRss);
        }
        return new BenchTarget
        {
            Kind = BenchTarget.EmbeddedKind,
            Description = $"one embedded node in its own process (`actortracing bench-node`) (region {_node.Region}); the load generator runs as its own process",
            Regions = [_node.Region],
            Storage = $"embedded chDB in the node's process, database {_node.Database}",
            LoadRouting = $"all load to {NodeName}",
            Nodes =
            [
                new BenchTargetNode(
                    NodeName, _node.Region, ["ingest", "process", "query"], Environment.ProcessId,
                    Math.Round((last?.CpuSeconds ?? 0) - (first?.CpuSeconds ?? 0), 2), peak,
                    _node.Gauges.SpansReceived, _node.RowsWritten,
                    Math.Round(((last?.GcPauseTotalMs ?? 0) - (first?.GcPauseTotalMs ?? 0)) / 1000, 2)),
            ],
        };
    }

    public Task<NodeSample> SampleAsync(double seconds, string phase, CancellationToken cancellationToken)
    {
        var proc = ProcReader.Read(Environment.ProcessId);
        // The engine's merges run on threads of this process: read apart, the report can say how
        // much of the node's CPU they took (they compete with the node's own threads for the cores).
        var merges = ChdbEngine.MergeCpuSeconds();
        var g = _node.Gauges;
        var received = g.SpansReceived;
        var buffered = g.SpansBuffered;
        var decided = g.TracesDecided;
        var sample = new NodeSample(
            Math.Round(seconds, 3), phase, received, buffered, g.BytesBuffered, g.TracesBuffered, decided, received - buffered, g.SpansKept,
            _node.RowsWritten, _node.PendingRows, g.MeanDecisionLatency.TotalMilliseconds * decided,
            proc.RssBytes, GC.GetTotalMemory(false), proc.CpuSeconds, proc.MachineBusyJiffies, proc.MachineTotalJiffies,
            GC.GetTotalPauseDuration().TotalMilliseconds,
            AnsweredBuckets(),
            merges);
        lock (_gate)
        {
            _first ??= sample;
            _last = sample;
            _peakRss = Math.Max(_peakRss, sample.RssBytes);
        }
        return Task.FromResult(sample);
    }

    /// <summary>Cumulative counts of the node's answered requests per duration bound, every protocol together.</summary>
    private long[] AnsweredBuckets()
    {
        var total = new long[IngestCounters.RequestDurationBounds.Count + 1];
        foreach (var protocol in IngestCounters.Protocols)
        {
            var (cumulative, _) = _node.Ingest.RequestDuration(protocol).Snapshot();
            for (var i = 0; i < total.Length; i++)
            {
                total[i] += cumulative[i];
            }
        }
        return total;
    }

    // On the engine's thread: counted every second while the node runs, and a pool thread held
    // behind an insert here would be one the node's requests do not get.
    public Task<long> CountRowsAsync(CancellationToken cancellationToken) => _node.Store.Engine.RunAsync(_ => _node.CountRows(), cancellationToken);

    public Task<IReadOnlyDictionary<string, StoredTrace>> StoredTracesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(traceIds);
        var found = new Dictionary<string, StoredTrace>(StringComparer.Ordinal);
        if (traceIds.Count is > 0 and <= StoredTraceQuery.MaxInlineIds)
        {
            StoredTraceQuery.ParseInto(_node.Query(StoredTraceQuery.Inline(_node.TracesTable, traceIds)), found);
        }
        else if (traceIds.Count > 0)
        {
            var ids = $"{_node.Database}.bench_ids_{Interlocked.Increment(ref _idsTables).ToString(CultureInfo.InvariantCulture)}";
            _node.Query(StoredTraceQuery.CreateIdsTable(ids));
            try
            {
                _node.Store.Engine.StreamInsert($"INSERT INTO {ids}", "TabSeparated", StoredTraceQuery.IdsTsv(traceIds));
                StoredTraceQuery.ParseInto(_node.Query(StoredTraceQuery.ViaTable(_node.TracesTable, ids)), found);
            }
            finally
            {
                _node.Query($"DROP TABLE IF EXISTS {ids}");
            }
        }
        return Task.FromResult<IReadOnlyDictionary<string, StoredTrace>>(found);
    }

    public async Task<StorageResult> MeasureStorageAsync(CancellationToken cancellationToken)
    {
        // The summaries (and whatever else the database holds for its spans) are part of what a
        // stored span costs: merged and counted too.
        _node.Store.MergeAllTables();
        var stats = await _node.Store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        var companions = _node.Store.CompanionBytesOnDisk();
        return new StorageResult(
            stats.Rows, stats.BytesOnDisk, stats.CompressedBytes, stats.UncompressedBytes,
            stats.Rows == 0 ? 0 : Math.Round((double)stats.BytesOnDisk / stats.Rows, 1),
            Math.Round(stats.CompressionRatio, 2),
            "embedded engine",
            companions);
    }
}
