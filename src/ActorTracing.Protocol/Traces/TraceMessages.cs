using ActorTracing.Domain;
using ActorTracing.Domain.Sampling;
using Akka.Actor;
using Akka.Event;

namespace ActorTracing.Protocol.Traces;

/// <summary>Commands a TraceActor accepts.</summary>
public static class TraceCommands
{
    /// <summary>The spans of one trace from one export request: one message per trace, never per span.</summary>
    public sealed record AppendSpans(TraceId TraceId, IReadOnlyList<BufferedSpan> Spans) : ITraceMessage, IProtocolMessage
    {
        private SharedBuffer? _source;

        /// <summary>
        /// A copy (<c>with</c>) holds no share: two messages giving back one share would return the
        /// body while spans still slice it. The original's share stays out until the original is
        /// handled, and a copy's spans are only read while it is (or the body is left to the GC).
        /// </summary>
        private AppendSpans(AppendSpans original)
        {
            TraceId = original.TraceId;
            Spans = original.Spans;
            Receipt = original.Receipt;
        }

        /// <summary>
        /// Set when the spans go to another node: the owning shard confirms to
        /// <see cref="DeliveryReceipt.ConfirmTo"/> once it has them, and the sender sends them again
        /// (to the owner's next home) if no confirmation comes. Null for a local owner.
        /// </summary>
        public DeliveryReceipt? Receipt { get; init; }

        /// <summary>
        /// The pooled request body the spans slice, with one share taken for this message (by the
        /// sender); null when the spans' bytes are their own (Kafka, JSON, a message that came
        /// over the wire). Not serialized: the serializer copies the bytes and gives the share back.
        /// </summary>
        public SharedBuffer? Source
        {
            get => Volatile.Read(ref _source);
            init => _source = value;
        }

        /// <summary>
        /// Gives this message's share of <see cref="Source"/> back, once whoever handles it has
        /// copied the spans' bytes; at most once however often it is called. After this the spans
        /// must not be read.
        /// </summary>
        public void ReleaseSource() => Interlocked.Exchange(ref _source, null)?.Release();
    }

    /// <summary>
    /// The ids of <see cref="AppendSpans"/> messages a shard has taken in (their spans are in its
    /// buffers, or followed a remembered decision), batched per sender: see <see cref="AppendSpans.Receipt"/>.
    /// </summary>
    public sealed record ConfirmDeliveries(IReadOnlyList<long> Ids) : IProtocolMessage;

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

/// <summary>
/// Who to tell (and under which id) that an <see cref="TraceCommands.AppendSpans"/> arrived: an
/// actor on another node's ingest (<see cref="ConfirmTo"/>, <see cref="Id"/>), or a wait of this
/// node's own (<see cref="Waiting"/>).
/// </summary>
/// <remarks>
/// A value of 16 bytes, not an object: it rides inside its message, a shard holds it in an array
/// of its own (<c>HeldReceipts</c>), and a kept trace's are copied out at the decision. As an
/// object, one lived per request for as long as the request's traces were open — seconds — so
/// young collections promoted thousands each with the write-ahead log on. One field holds
/// either target, since a receipt has one: a wider value cost each buffered span ~8 bytes more.
/// </remarks>
public readonly record struct DeliveryReceipt
{
    private readonly object? _target;

    /// <summary>A receipt to confirm to <paramref name="confirmTo"/> under <paramref name="id"/>.</summary>
    public DeliveryReceipt(long id, IActorRef confirmTo)
    {
        ArgumentNullException.ThrowIfNull(confirmTo);
        Id = id;
        _target = confirmTo;
    }

    private DeliveryReceipt(Domain.Delivery.ConfirmationCountdown waiting)
    {
        Id = waiting.Cycle;
        _target = waiting;
    }

    /// <summary>
    /// For a message to a shard on this node whose source waits for the decision (OTLP's
    /// write-ahead log, Kafka's commit): the wait itself, which the shard tells directly — no
    /// entry kept by redelivery, no confirmation message. Each such entry was a handful of objects
    /// living as long as their trace, and at 200k spans/s they made young collections 30 times
    /// longer. Never serialized: a message that leaves the node after all (its shard moved since
    /// ingest looked) abandons it instead (see ProtocolSerializer).
    /// </summary>
    public static DeliveryReceipt ForWait(Domain.Delivery.ConfirmationCountdown waiting)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        return new DeliveryReceipt(waiting);
    }

    /// <summary>The receipt whose <see cref="Target"/> and <see cref="Id"/> these are (see <see cref="OwedReceipts.ToState"/>).</summary>
    internal static DeliveryReceipt FromTarget(object target, long id) => target switch
    {
        Domain.Delivery.ConfirmationCountdown waiting => new DeliveryReceipt(waiting) { Id = id },
        IActorRef confirmTo => new DeliveryReceipt(id, confirmTo),
        _ => throw new ArgumentException("a receipt names an actor or a wait", nameof(target)),
    };

    /// <summary>What it names: the actor or the wait.</summary>
    internal object? Target => _target;

    /// <summary>The id to confirm under; for a wait, the use it counts in (<see cref="Cycle"/>).</summary>
    public long Id { get; private init; }

    /// <summary>The actor to confirm to; null for a wait of this node's own.</summary>
    public IActorRef? ConfirmTo => _target as IActorRef;

    /// <summary>The wait of this node's own ingest to tell; null for another node's.</summary>
    public Domain.Delivery.ConfirmationCountdown? Waiting => _target as Domain.Delivery.ConfirmationCountdown;

    /// <summary>The use of <see cref="Waiting"/> this receipt counts in (waits are pooled: see <see cref="Domain.Delivery.ConfirmationCountdown.Cycle"/>).</summary>
    public int Cycle => _target is Domain.Delivery.ConfirmationCountdown ? (int)Id : 0;
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
