namespace ActorTracing.Bench;

/// <summary>
/// The load generator's summary, printed by `actortracing loadgen --json` as one JSON line on
/// stdout and read back by the bench. Latencies are microseconds from each request's intended send
/// time to its acknowledgement (no coordinated omission: a stalled node shows as latency).
/// </summary>
public sealed record LoadGenResult
{
    public LoadGenMode Mode { get; init; }

    public string Protocol { get; init; } = string.Empty;

    public string Endpoint { get; init; } = string.Empty;

    public double TargetSpansPerSecond { get; init; }

    public double DurationSeconds { get; init; }

    public double ElapsedSeconds { get; init; }

    public long Seed { get; init; }

    public long SpansGenerated { get; init; }

    public long SpansSent { get; init; }

    public long SpansFailed { get; init; }

    public long SpansUnsent { get; init; }

    public long SpansRejected { get; init; }

    public long Requests { get; init; }

    public long FailedRequests { get; init; }

    public long Throttled { get; init; }

    public long Retries { get; init; }

    public long Traces { get; init; }

    public long ErrorTraces { get; init; }

    public long SlowTraces { get; init; }

    public long CrossRegionTraces { get; init; }

    public double AchievedSpansPerSecond { get; init; }

    public LatencySummary AckLatency { get; init; } = LatencySummary.Empty;

    public IReadOnlyList<LoadSecond> PerSecond { get; init; } = [];

    /// <summary>CPU time the generator process used (user + system), for the "is the generator the bottleneck" question.</summary>
    public double CpuSeconds { get; init; }

    public long PeakRssBytes { get; init; }

    /// <summary>The generator's own GC pauses during the run: each delays sends and ack reads, which the open-loop latency counts.</summary>
    public GcPauseSummary? GcPauses { get; init; }

    /// <summary>
    /// The run's slowest acknowledged requests (up to <see cref="SlowestRequests.DefaultCapacity"/>),
    /// slowest first, each marked when it was in flight during one of the generator's own GC pauses.
    /// </summary>
    public IReadOnlyList<SlowAck> SlowestAcks { get; init; } = [];

    public string? LastError { get; init; }

    /// <summary>Where the ground truth was written (TSV, <see cref="GroundTruthFile"/>), when asked.</summary>
    public string? TruthFile { get; init; }

    public IReadOnlyList<ProbeTrace> Probes { get; init; } = [];
}

/// <summary>One of a run's slowest requests (<see cref="SlowRequest"/>), and whether the generator itself was paused by its GC while it was in flight.</summary>
public sealed record SlowAck(long DueUnixNanos, long LatencyMicros, bool GeneratorPaused);
