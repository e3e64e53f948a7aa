using ActorTracing.Domain;
using ActorTracing.Domain.Sampling;

namespace ActorTracing.Protocol.Traces;

/// <summary>What a TraceActor persists: only its decision, never spans (they live in storage).</summary>
public static class TraceEvents
{
    /// <summary>
    /// The trace was decided. After a crash, hand-off or rebalance the next incarnation recovers
    /// this and late spans follow it; the completion reason says why it was decided then.
    /// </summary>
    public sealed record Decided(
        TraceId TraceId,
        SamplingDecision Decision,
        string CompletionReason,
        DateTimeOffset DecidedAt) : IProtocolMessage;
}
