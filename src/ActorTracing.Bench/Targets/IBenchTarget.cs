namespace ActorTracing.Bench;

/// <summary>
/// The system the scenarios drive: the bench's embedded node in a process of its own
/// (<see cref="ProcessBenchNode"/>, which reads an <see cref="EmbeddedTarget"/> in that process)
/// or the nodes of a cluster file running as processes (<see cref="ClusterTarget"/>). Scenarios
/// only send OTLP to its ingest nodes, sample its counters and count what it stored, so one
/// scenario code measures both. Implementations are safe for concurrent calls: the sampler's
/// timer and a scenario sample at the same time.
/// </summary>
public interface IBenchTarget
{
    /// <summary>For the report; node figures as of now.</summary>
    BenchTarget Describe();

    /// <summary>The nodes' send-delay: decisions cannot come sooner after a trace's last span.</summary>
    TimeSpan SendDelay { get; }

    /// <summary>Every node that accepts OTLP, the first being where unrouted load goes.</summary>
    IReadOnlyList<IngestPoint> IngestPoints { get; }

    /// <summary>How often the stitching probe asks storage whether its traces are complete.</summary>
    TimeSpan ProbePollInterval { get; }

    /// <summary>Cumulative counters of the whole target now: sums over its nodes.</summary>
    Task<NodeSample> SampleAsync(double seconds, string phase, CancellationToken cancellationToken);

    /// <summary>Rows in the run's spans table(s), all shards together.</summary>
    Task<long> CountRowsAsync(CancellationToken cancellationToken);

    /// <summary>Rows and distinct spans stored per trace, for these trace ids (lower-case hex); absent = nothing stored.</summary>
    Task<IReadOnlyDictionary<string, StoredTrace>> StoredTracesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken);

    /// <summary>Merges the run's spans table(s) (OPTIMIZE FINAL) and measures their size.</summary>
    Task<StorageResult> MeasureStorageAsync(CancellationToken cancellationToken);
}
