using ActorTracing.Domain;
using ActorTracing.Domain.Sampling;
using Akka.Event;

namespace ActorTracing.Protocol.Traces;

/// <summary>Commands a TraceActor accepts.</summary>
public static class TraceCommands
{
    /// <summary>The spans of one trace from one export request: one message per trace, never per span.</summary>
    public sealed record AppendSpans(TraceId TraceId, IReadOnlyList<BufferedSpan> Spans) : ITraceMessage, IProtocolMessage;

    /// <summary>
    /// Sent by sharding instead of PoisonPill when a shard hands off or the node leaves: the
    /// actor decides what it holds early (reason "hand_off") rather than dropping it silently.
    /// </summary>
    public sealed class HandOffStop : IDeadLetterSuppression
    {
        public static readonly HandOffStop Instance = new();

        private HandOffStop()
        {
        }
    }
}

/// <summary>Queries a TraceActor answers (operators' `trace show`).</summary>
public static class TraceQueries
{
    public sealed record GetTraceStatus(TraceId TraceId) : ITraceMessage, IProtocolMessage;

    /// <summary>An in-flight trace (Decision null) or a decided one.</summary>
    public sealed record TraceStatus(
        TraceId TraceId,
        int SpansBuffered,
        long BytesBuffered,
        bool RootSeen,
        IReadOnlyList<string> Regions,
        SamplingDecision? Decision,
        string? CompletionReason,
        DateTimeOffset? NextCheck) : IProtocolMessage;
}
