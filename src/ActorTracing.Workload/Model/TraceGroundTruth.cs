namespace ActorTracing.Workload;

/// <summary>
/// What the model generated for one trace, kept so tests and the benchmark can check outcomes
/// (every error and slow trace kept, every kept trace complete) without decoding what was sent.
/// </summary>
/// <param name="Regions">The distinct <c>cloud.region</c>s that export spans of the trace, root region first.</param>
/// <param name="RootDurationNanos">The root span's duration (the request latency the user saw).</param>
/// <param name="ClockOffsetNanos">The clock offset of the remote region's fragment (0 when not cross-region).</param>
/// <param name="ExportDelay">How much later than the root region the remote fragment is delivered (zero when not cross-region).</param>
public sealed record TraceGroundTruth(
    ActorTracing.Domain.TraceId TraceId,
    ActorTracing.Domain.SpanId RootSpanId,
    TraceCategory Category,
    string RootRegion,
    IReadOnlyList<string> Regions,
    int SpanCount,
    bool IsError,
    bool IsSlow,
    ulong RootDurationNanos,
    long ClockOffsetNanos,
    TimeSpan ExportDelay)
{
    public bool IsCrossRegion => Regions.Count > 1;
}
