namespace ActorTracing.Workload;

/// <summary>
/// The outcome of a run. Every generated span is accounted for: sent, failed (the node refused or
/// retries ran out), or unsent (the run was cancelled before a sender got it acknowledged).
/// Latencies are microseconds from each request's intended send time to its acknowledgement.
/// </summary>
public sealed record WorkloadSummary(
    TimeSpan Elapsed,
    double TargetSpansPerSecond,
    long SpansGenerated,
    long SpansSent,
    long SpansFailed,
    long SpansRejected,
    long SpansUnsent,
    long Requests,
    long FailedRequests,
    long Throttled,
    long Retries,
    long Traces,
    IReadOnlyDictionary<TraceCategory, long> TracesByCategory,
    long ErrorTraces,
    long SlowTraces,
    long CrossRegionTraces,
    long AckLatencyP50Micros,
    long AckLatencyP95Micros,
    long AckLatencyP99Micros,
    long AckLatencyMaxMicros)
{
    public double AchievedSpansPerSecond => Elapsed > TimeSpan.Zero ? SpansSent / Elapsed.TotalSeconds : 0;

    internal static WorkloadSummary From(WorkloadCounters counters, TimeSpan elapsed, double targetSpansPerSecond)
    {
        var byCategory = new Dictionary<TraceCategory, long>();
        foreach (var category in Enum.GetValues<TraceCategory>())
        {
            byCategory[category] = counters.TracesOf(category);
        }
        var latency = counters.AckLatency;
        return new WorkloadSummary(
            elapsed,
            targetSpansPerSecond,
            counters.SpansGenerated,
            counters.SpansSent,
            counters.SpansFailed,
            counters.SpansRejected,
            counters.SpansGenerated - counters.SpansSent - counters.SpansFailed,
            counters.Requests,
            counters.FailedRequests,
            counters.Throttled,
            counters.Retries,
            counters.Traces,
            byCategory,
            counters.ErrorTraces,
            counters.SlowTraces,
            counters.CrossRegionTraces,
            latency.P50,
            latency.P95,
            latency.P99,
            latency.Max);
    }
}
