using ActorTracing.Domain;
using ActorTracing.Domain.Stitching;

namespace ActorTracing.Storage;

/// <summary>
/// The <c>otel_trace_summaries</c> row of a kept trace, enqueued once at its decision together with
/// its spans (late spans of a decided trace add rows to otel_traces only, never a summary).
/// </summary>
/// <param name="TraceId">The trace; also what routes the row to the shard holding the trace's spans.</param>
/// <param name="Stitch">Regions, cross-region edges, skew, arrival lag, start, duration and span count at the decision.</param>
/// <param name="CompletionReason">Why the trace was considered complete (got_root, expired/..., span_limit).</param>
/// <param name="SamplingReason">The keep reason, the same as on the trace's span rows.</param>
/// <param name="SampleRate">1 in N, the same as on the trace's span rows.</param>
public sealed record StoredTraceSummary(TraceId TraceId, TraceStitch Stitch, string CompletionReason, string SamplingReason, uint SampleRate, string GroupId = "");
