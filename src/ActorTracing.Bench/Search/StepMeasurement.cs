namespace ActorTracing.Bench;

/// <summary>
/// What one load step measured: the generator's view (offered, acknowledged, refused, ack latency)
/// and the node's (received, decided, kept, stored rows counted in storage), plus CPU and memory.
/// Rates are per second of the step's duration.
/// </summary>
public sealed record StepMeasurement
{
    public double OfferedSpansPerSecond { get; init; }

    public double DurationSeconds { get; init; }

    public long GeneratedSpans { get; init; }

    public long SentSpans { get; init; }

    public long FailedSpans { get; init; }

    public long UnsentSpans { get; init; }

    public long Throttled { get; init; }

    public long FailedRequests { get; init; }

    public LatencySummary AckLatency { get; init; } = LatencySummary.Empty;

    /// <summary>Spans the node accepted during the step (PipelineGauges.SpansReceived delta).</summary>
    public long ReceivedSpans { get; init; }

    /// <summary>Spans decided per second once the pipeline is full (after send-delay), the steady-state decision rate.</summary>
    public double DecidedSpansPerSecond { get; init; }

    /// <summary>Spans of traces decided during the step and the drain after it.</summary>
    public long DecidedSpans { get; init; }

    public long KeptSpans { get; init; }

    /// <summary>Rows counted in storage (SELECT count()) after the drain, minus the count before the step.</summary>
    public long StoredRows { get; init; }

    /// <summary>Undecided spans still buffered when the drain wait ended.</summary>
    public long BufferedSpansAfterDrain { get; init; }

    /// <summary>Kept rows the storage writer still had queued when the drain wait ended.</summary>
    public long PendingRowsAfterDrain { get; init; }

    public double NodeCpuPercent { get; init; }

    public long NodePeakRssBytes { get; init; }

    public double GeneratorCpuPercent { get; init; }

    /// <summary>Share of the step's wall time the node's process spent paused for GC.</summary>
    /// <summary>
    /// Of <see cref="NodeCpuPercent"/>, what the embedded engine's background merges took (percent
    /// of one core; 0 for other targets): they run on threads of the node's process, niced, and
    /// still compete with the node's request and actor threads for the machine's cores.
    /// </summary>
    public double EngineMergeCpuPercent { get; init; }

    public double GcPausePercent { get; init; }

    /// <summary>The whole machine's CPU busy share during the step (node, generator and anything else running).</summary>
    public double MachineBusyPercent { get; init; }

    public double AcceptedSpansPerSecond => DurationSeconds > 0 ? ReceivedSpans / DurationSeconds : 0;

    public double StoredSpansPerSecond => DurationSeconds > 0 ? StoredRows / DurationSeconds : 0;

    public double AckedSpansPerSecond => DurationSeconds > 0 ? SentSpans / DurationSeconds : 0;
}
