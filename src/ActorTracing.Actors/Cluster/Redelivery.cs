using ActorTracing.Domain;
using ActorTracing.Domain.Delivery;
using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Event;

namespace ActorTracing.Actors.Cluster;

/// <summary>
/// Ingest's side of at-least-once delivery to trace owners on other nodes. Node-to-node messages
/// are at-most-once: spans accepted for an owner that a cut has silenced, in the seconds before
/// the failure detector marks it unreachable, went into the cut and were lost (README "Hand-off
/// and partitions"). Now every message to an owner that is not this node carries a receipt; the
/// owning shard confirms it once their trace is decided, and <see cref="RedeliveryActor"/> sends what
/// is still unconfirmed (after at least <c>redeliver-after</c>) again once the node it went to has
/// left the cluster — through the shard region, so the spans reach the shard's next home. A local
/// owner gets no receipt: a message within the process is not lost unless the process is.
/// </summary>
/// <remarks>
/// At least once, not exactly once: a message the owner took in whose confirmation was lost (the
/// cut fell between the two) is sent again. The new home then finds the old owner's decision in
/// the journal (durable decisions) and the copy follows it as late spans, which stores those spans
/// a second time when the trace was kept. Losing accepted spans was the worse of the two.
/// </remarks>
public sealed class Redelivery : IRedeliveryStats
{
    private readonly ShardHomes _homes;
    private volatile IActorRef? _confirmTo;
    private volatile IScheduler? _clock;

    /// <param name="longestHold">
    /// The longest an owner may hold a message before it confirms: it confirms once the trace is
    /// decided, at the latest trace-timeout after the trace's first span.
    /// </param>
    public Redelivery(ShardHomes homes, long maxUnconfirmedBytes, TimeSpan redeliverAfter, TimeSpan longestHold = default)
    {
        ArgumentNullException.ThrowIfNull(homes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(redeliverAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(longestHold, TimeSpan.Zero);
        _homes = homes;
        RedeliverAfter = redeliverAfter;
        GiveUpAfter = longestHold + (redeliverAfter * 24);
        Unconfirmed = new UnconfirmedDeliveries<ForwardedSpans>(maxUnconfirmedBytes);
    }

    public UnconfirmedDeliveries<ForwardedSpans> Unconfirmed { get; }

    public TimeSpan RedeliverAfter { get; }

    /// <summary>
    /// How long a message stays unconfirmed before it is forgotten (with an error logged): the
    /// longest an owner may hold it before confirming, plus 24 × redeliver-after. A safety valve
    /// for messages to an owner that never confirms and never leaves, which should not happen, so
    /// they cannot hold the bound (and refuse ingest) for good.
    /// </summary>
    public TimeSpan GiveUpAfter { get; }

    internal ShardHomes Homes => _homes;

    /// <summary>False until the confirming actor has started; ingest refuses ("starting") until then.</summary>
    public bool Ready => _confirmTo is not null;

    /// <summary>Messages given up on since the start (see <see cref="GiveUpAfter"/>).</summary>
    public long GivenUp => Unconfirmed.Expired;

    public int UnconfirmedMessages => Unconfirmed.Count;

    public long UnconfirmedBytes => Unconfirmed.Bytes;

    public long Redelivered => Unconfirmed.Redelivered;

    /// <summary>
    /// For a message to another node (or to a shard whose home is not known yet): keeps what is
    /// needed to send the spans again — each span's OTLP bytes and origin, plus a share of the
    /// request body the bytes slice (<paramref name="source"/>, taken here) — and returns the
    /// receipt the message carries. The span objects are not kept: a local shard recycles them,
    /// so a second send decodes fresh ones from the bytes. Null, and nothing kept, for a shard on
    /// this node (a message within the process is not lost unless the process is), and once the
    /// confirming actor has stopped (the node is shutting down; ingest checked
    /// <see cref="Ready"/> before accepting the request).
    /// </summary>
    /// <param name="countdown">
    /// A source waiting for the message's confirmation (Kafka ingest commits a record only once
    /// its traces are decided; OTLP's write-ahead log marks a request done). The message then
    /// carries a receipt also for a shard on this node — the wait itself, which that shard tells
    /// directly (<see cref="DeliveryReceipt.Waiting"/>), nothing kept here — and
    /// <paramref name="countdown"/> is told when it is confirmed, or abandoned when that will not be heard.
    /// </param>
    public DeliveryReceipt? Track(TraceId traceId, IReadOnlyList<BufferedSpan> spans, SharedBuffer? source, ConfirmationCountdown? countdown = null)
    {
        // One shard lookup per trace: it is on every request's path.
        var home = _homes.HomeOf(traceId);
        if (_confirmTo is not { } confirmTo)
        {
            countdown?.Abandon();
            return null;
        }
        if (home is not null && home == _homes.Self)
        {
            if (countdown is null)
            {
                return null;
            }
            countdown.Expect();
            // Nothing to send again, so nothing kept here: the shard tells the wait itself.
            return DeliveryReceipt.ForWait(countdown);
        }
        var kept = new (ReadOnlyMemory<byte> Raw, SpanOrigin Origin)[spans.Count];
        long bytes = 0;
        for (var i = 0; i < kept.Length; i++)
        {
            var span = spans[i];
            kept[i] = (span.Raw, span.Origin);
            bytes += span.Raw.Length;
        }
        source?.Retain();
        countdown?.Expect();
        var id = Unconfirmed.Add(new ForwardedSpans(traceId, kept, source, home, _homes.Departures, countdown), bytes, NowTicks);
        return new DeliveryReceipt(id, confirmTo);
    }

    internal long NowTicks => (_clock?.Now ?? DateTimeOffset.UtcNow).UtcTicks;

    internal void Attach(IActorRef confirmTo, IScheduler clock)
    {
        _clock = clock;
        _confirmTo = confirmTo;
    }

    internal void Detach() => _confirmTo = null;
}

/// <summary>What <see cref="Redelivery"/> keeps of one message: enough to build it again, and where it went.</summary>
public sealed class ForwardedSpans(TraceId traceId, (ReadOnlyMemory<byte> Raw, SpanOrigin Origin)[] spans, SharedBuffer? source, Address? sentTo, long departuresAtSend, ConfirmationCountdown? countdown = null)
{
    public TraceId TraceId { get; } = traceId;

    /// <summary>The source waiting for this message's confirmation (Kafka ingest), or null.</summary>
    public ConfirmationCountdown? Countdown { get; } = countdown;

    public (ReadOnlyMemory<byte> Raw, SpanOrigin Origin)[] Spans { get; } = spans;

    /// <summary>A share of the request body the spans' bytes slice, held until confirmed; null when they own their bytes.</summary>
    public SharedBuffer? Source { get; } = source;

    /// <summary>The shard's home when the message was last sent; null when not known then. Written by the redelivery actor only.</summary>
    public Address? SentTo { get; private set; } = sentTo;

    /// <summary>How many owners had left the cluster when it was last sent.</summary>
    public long DeparturesAtSend { get; private set; } = departuresAtSend;

    /// <summary>
    /// Whether the node the message last went to is no longer its shard's home — it left the
    /// cluster (or the shard moved) — so an unconfirmed message may have died with it. A message
    /// to an owner that is still home is never sent twice: it is slow, not lost (a copy would be
    /// buffered twice), since between two members a message is lost only with their association,
    /// and a node that loses it is removed. When the home was not known at send time (a copy sent
    /// while the shard had no home yet waits in a shard region for one), only an owner leaving
    /// since counts.
    /// </summary>
    internal bool OwnerGone(ShardHomes homes) =>
        SentTo is { } to ? homes.HomeOf(TraceId) != to : homes.Departures > DeparturesAtSend;

    internal void SentAgain(ShardHomes homes)
    {
        SentTo = homes.HomeOf(TraceId);
        DeparturesAtSend = homes.Departures;
    }

    /// <summary>Gives the share of the body back: confirmed, given up, or the node is stopping.</summary>
    internal void Release() => Source?.Release();

    /// <summary>The owner confirmed: the share of the body goes back and a waiting source is told.</summary>
    internal void Confirmed()
    {
        Release();
        Countdown?.Confirmed();
    }

    /// <summary>
    /// Forgotten unconfirmed (given up, or the node is stopping): the share of the body goes back
    /// and a waiting source hears the confirmation will not come, so it keeps the spans' source
    /// (a Kafka record stays uncommitted and is read again) rather than count them safe.
    /// </summary>
    internal void Forgotten()
    {
        Release();
        Countdown?.Abandon();
    }

    /// <summary>A fresh message with fresh span objects and its own share of the body.</summary>
    internal TraceCommands.AppendSpans Rebuild(DeliveryReceipt receipt)
    {
        var spans = new BufferedSpan[Spans.Length];
        for (var i = 0; i < spans.Length; i++)
        {
            spans[i] = OtlpTraceDecoder.DecodeSpan(Spans[i].Raw, Spans[i].Origin);
        }
        Source?.Retain();
        return new TraceCommands.AppendSpans(TraceId, spans) { Source = Source, Receipt = receipt };
    }
}

/// <summary>
/// Takes the shards' confirmations for <see cref="Redelivery"/> and, every quarter of
/// <c>redeliver-after</c>, sends again what is still unconfirmed — unless the trace's owner is
/// unreachable, or has just left and its shard is not re-homed yet (<see cref="ShardHomes.UnreachableOwner"/>),
/// where the copy would be lost the same way.
/// </summary>
public sealed class RedeliveryActor : ReceiveActor, IWithTimers
{
    private const string CheckTimer = "check";

    private readonly Redelivery _redelivery;
    private readonly IActorRef _region;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public RedeliveryActor(Redelivery redelivery, IActorRef region)
    {
        _redelivery = redelivery;
        _region = region;
        Receive<TraceCommands.ConfirmDeliveries>(OnConfirm);
        Receive<Check>(_ => SendDue());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Redelivery redelivery, IActorRef region) =>
        Akka.Actor.Props.Create(() => new RedeliveryActor(redelivery, region));

    /// <summary>How often unconfirmed messages are looked at: a quarter of the age that makes them due.</summary>
    public static TimeSpan CheckInterval(TimeSpan redeliverAfter) => redeliverAfter / 4;

    protected override void PreStart()
    {
        var every = CheckInterval(_redelivery.RedeliverAfter);
        Timers.StartPeriodicTimer(CheckTimer, Check.Instance, every, every);
        // Last: ingest sends with receipts (and tests move the clock) only once the checks run.
        _redelivery.Attach(Self, Context.System.Scheduler);
    }

    protected override void PostStop()
    {
        _redelivery.Detach();
        _redelivery.Unconfirmed.Clear().ForEach(item => item.Forgotten());
    }

    private void OnConfirm(TraceCommands.ConfirmDeliveries confirm)
    {
        foreach (var id in confirm.Ids)
        {
            if (_redelivery.Unconfirmed.TryConfirm(id, out var item))
            {
                item.Confirmed();
            }
        }
    }

    private void SendDue()
    {
        var homes = _redelivery.Homes;
        var due = _redelivery.Unconfirmed.TakeDue(
            _redelivery.NowTicks,
            _redelivery.RedeliverAfter.Ticks,
            item => homes.SelfUp && item.OwnerGone(homes) && homes.UnreachableOwner(item.TraceId) is null);
        var expired = _redelivery.Unconfirmed.TakeExpired(_redelivery.NowTicks, _redelivery.GiveUpAfter.Ticks);
        if (expired.Count > 0)
        {
            expired.ForEach(item => item.Forgotten());
            _log.Error(
                "Gave up on {0} trace messages unconfirmed for {1} whose owners never left: their spans may be lost",
                expired.Count, _redelivery.GiveUpAfter);
        }
        if (due.Count == 0)
        {
            return;
        }
        _log.Warning(
            "Sending {0} trace messages again: unconfirmed by their owners for {1} or more ({2} still unconfirmed, {3} bytes)",
            due.Count, _redelivery.RedeliverAfter, _redelivery.Unconfirmed.Count, _redelivery.Unconfirmed.Bytes);
        foreach (var (id, item) in due)
        {
            item.SentAgain(homes);
            _region.Tell(item.Rebuild(new DeliveryReceipt(id, Self)), ActorRefs.NoSender);
        }
    }

    private sealed class Check : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly Check Instance = new();

        private Check()
        {
        }
    }
}
