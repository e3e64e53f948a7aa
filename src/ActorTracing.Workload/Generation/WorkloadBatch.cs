using ActorTracing.Domain.Otlp;

namespace ActorTracing.Workload;

/// <summary>
/// One export request a region sends: spans of many traces grouped by resource.
/// </summary>
/// <param name="IntendedNanos">
/// When an SDK would have sent it, in nanoseconds since the run started: the moment the batch
/// filled up or its linger expired. Latency is measured from here, not from when a sender got to
/// it, so a stalled node shows up as latency instead of as fewer, faster requests (coordinated omission).
/// </param>
public sealed record WorkloadBatch(string Region, IReadOnlyList<ResourceSpansDetail> ResourceSpans, int SpanCount, long IntendedNanos);
