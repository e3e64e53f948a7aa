namespace ActorTracing.Bench;

/// <summary>
/// One reading of the node under test: its pipeline counters (cumulative since the node started),
/// the storage writer's, and this process's CPU, RSS and GC heap. Sampled a few times a second
/// for the throughput-over-time chart and per-step CPU / peak RSS.
/// </summary>
/// <param name="Seconds">Seconds since the bench started.</param>
/// <param name="DecidedSpans">Spans whose trace was decided: received minus still buffered.</param>
/// <param name="GcPauseTotalMs">Time this process was paused for GC since it started (GC.GetTotalPauseDuration): every pause stalls ingest and actors alike.</param>
/// <param name="AnsweredBuckets">The node's OTLP requests answered so far by how long its receiver took (actortracing_ingest_request_duration_seconds, every protocol): cumulative counts per bound of <c>IngestCounters.RequestDurationBounds</c>, then +Inf. Embedded target only.</param>
/// <param name="EngineMergeCpuSeconds">CPU time the embedded engine's merge threads used since the node started (part of <paramref name="CpuSeconds"/>). Embedded target only.</param>
/// <param name="DecisionLatencyTotalMs">Sum of last-span-to-decision latencies of every decided trace (mean x count, from the gauges).</param>
public sealed record NodeSample(
    double Seconds,
    string Phase,
    long ReceivedSpans,
    long BufferedSpans,
    long BufferedBytes,
    long BufferedTraces,
    long DecidedTraces,
    long DecidedSpans,
    long KeptSpans,
    long RowsWritten,
    long PendingRows,
    double DecisionLatencyTotalMs,
    long RssBytes,
    long GcHeapBytes,
    double CpuSeconds,
    long MachineBusyJiffies,
    long MachineTotalJiffies,
    double GcPauseTotalMs = 0,
    IReadOnlyList<long>? AnsweredBuckets = null,
    double EngineMergeCpuSeconds = 0);
