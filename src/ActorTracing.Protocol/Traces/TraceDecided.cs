using ActorTracing.Domain;
using ActorTracing.Domain.Sampling;
using ActorTracing.Domain.Stitching;

namespace ActorTracing.Protocol.Traces;

/// <summary>
/// A trace was decided (or late spans followed an earlier decision). Published by the TraceActor
/// to <see cref="ITraceOutcomeSink"/>, which sends kept spans to storage and counts outcomes.
/// A struct passed by reference: one is made per decision (~50k a second at 200k spans/s), ~90 % of
/// them for dropped traces that no sink keeps, and the sinks read it only during the call.
/// </summary>
/// <param name="Spans">Every span the decision covers; storage writes them when <c>Decision.Keep</c>. A
/// dropped trace's spans — the list, the span objects and their OTLP bytes (<c>Raw</c>) — are valid only
/// during <c>OnDecided</c>: the shard reuses all three for its next decisions right after, so a sink that
/// keeps them must copy them. A kept trace's spans stay valid.</param>
/// <param name="CompletionReason">Why the trace was considered complete (got_root, expired/..., span_limit); "late" for late spans.</param>
/// <param name="FirstArrival">When the first span of the trace reached its actor.</param>
/// <param name="LastArrival">When the last span arrived; decision latency is measured from it.</param>
/// <param name="Stitch">Regions, cross-region edges, skew and arrival lag of a kept trace (stored with its summary); null for late spans and dropped traces.</param>
/// <param name="GroupKey">The correlation group the trace was decided with, or null.</param>
/// <param name="KeptBytes">The pooled buffer a kept trace's <c>Spans</c> slice (see <c>TraceBuffer.DetachBytes</c>),
/// holding one share handed to the sink: the sink that stores the spans gives it back once their rows are
/// written. A sink that never gives it back only costs the reuse; giving it back while anything still reads
/// the spans lets another trace overwrite them. Null when there is nothing to give back.</param>
/// <param name="Receipts">Receipts of the messages whose spans a kept decision covers, when the shard
/// confirms kept spans once they are stored rather than at the decision (the node's shards do, see
/// <c>TraceActorSettings.ConfirmAfterStored</c>):
/// the sink that stores the spans owes them once their rows are written — or at once when it stores
/// nothing — so a sender (another node's ingest, Kafka ingest waiting to commit) keeps its copy until
/// a crash can no longer lose the spans. None otherwise: the shard confirmed them itself.</param>
public readonly record struct TraceDecided(
    TraceId TraceId,
    SamplingDecision Decision,
    string CompletionReason,
    IReadOnlyList<BufferedSpan> Spans,
    long Bytes,
    bool IsLate,
    DateTimeOffset FirstArrival,
    DateTimeOffset LastArrival,
    DateTimeOffset DecidedAt,
    TraceStitch? Stitch = null,
    string? GroupKey = null,
    SharedBuffer? KeptBytes = null,
    OwedReceipts Receipts = default);
