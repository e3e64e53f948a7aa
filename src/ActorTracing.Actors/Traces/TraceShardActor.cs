using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Correlation;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Domain.Stitching;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;

namespace ActorTracing.Actors.Traces;

/// <summary>
/// Owns every trace of one shard: cluster sharding places the shard (by the trace id's stable
/// hash) on one node, so every span of a trace — from any region, through any node — meets here,
/// and each trace still gets exactly one decision. Each open trace is a <see cref="TraceBuffer"/>
/// (span fields in the shard's <see cref="SpanSlots"/>, span bytes in its <see cref="SpanArena"/>)
/// in a dictionary; when it is complete (<see cref="TraceCompletion"/>) the pure
/// <see cref="TraceSampler"/> decides once, the outcome is published and the trace is forgotten —
/// spans that come later find the decision in the node's <see cref="DecisionCache"/> (or, with
/// durable decisions, in the journal) and follow it.
/// <para>
/// Why one actor per shard and not per trace: an actor per trace retained ~4.8 KB and allocated
/// ~22 KB over its life (cell, mailbox, timers, persistence state), more than ten times the spans it
/// held; at benchmark rates the GC pauses that caused were the ack p99. Here a trace costs a buffer
/// and a dictionary entry, completion checks of all traces share one timer (a min-heap of due
/// times, fired in ticks of <c>completion-tick</c>), and durable decisions of one tick go to the
/// journal in one write.
/// </para>
/// Durable decisions are written straight to the journal as one <see cref="TraceEvents.Decided"/>
/// event per trace under persistence id "trace-&lt;hex&gt;" (the Redis journal expires keys by that
/// prefix); the first span of a trace this node has not decided asks the journal whether another
/// incarnation of the shard — before a crash, hand-off or rebalance — already decided it.
/// Time is the scheduler's clock so tests drive it virtually.
/// </summary>
public sealed class TraceShardActor : ReceiveActor, IWithTimers
{
    /// <summary>Persistence ids are "trace-&lt;hex&gt;": the journal's key expiry matches this prefix.</summary>
    public const string PersistenceIdPrefix = "trace-";

    private const string TickTimer = "tick";
    private const string StopTimer = "stop";
    private const string TrimTimer = "trim";

    // Tables this small are not worth making again: a shard's quiet-hour size.
    private const int MinTableCapacity = 256;

    // Enough for a shard's churn between ticks; bounds what an idle shard keeps after a burst.
    private const int MaxPooledTraces = 1024;

    private readonly string _shardId;
    private readonly TraceActorSettings _settings;
    private readonly TraceSampler _sampler;
    private readonly DecisionCache _decisions;
    private readonly ITraceOutcomeSink _sink;
    private readonly PipelineGauges _gauges;
    private readonly SpanRecycler _recycler;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<TraceId, OpenTrace> _open = [];
    private readonly SpanArena _arena = new();
    private readonly SpanSlots _slots = new();

    // Due completion checks (and group timeouts). Entries are never removed early: a trace whose
    // due time moved keeps its stale entry, which is skipped when it surfaces (its priority no
    // longer matches the trace's DueTicks). New spans only ever push a trace's check later, so a
    // trace has one live entry and almost never more than one stale one.
    private readonly PriorityQueue<OpenTrace, long> _due = new();

    // Decided traces' state, reused for new traces (see TraceBuffer.Reuse). A stale entry of a
    // reused trace left in _due is harmless: it is skipped unless its due time equals the new
    // trace's, and then it is that trace's check anyway.
    private readonly Stack<OpenTrace> _pool = new();
    private readonly long _tickTicks;
    private readonly string _writerGuid = Guid.NewGuid().ToString("N");
    private Dictionary<string, List<OpenTrace>>? _awaitingGroups;
    private List<IPersistentEnvelope>? _pendingWrites;
    private IActorRef? _journal;
    private JournalLookups? _lookups;
    private long _armedFor = long.MaxValue;

    // The tick timer repeats every completion-tick (a busy shard) rather than firing once.
    private bool _repeating;

    // Receipts of spans from other nodes' ingest, owed node-wide (see OwedConfirmations).
    private readonly OwedConfirmations _confirmations = OwedConfirmations.Get(Context.System);

    // The receipts open traces hold until decided (see HeldReceipts for why not a list per trace).
    private readonly HeldReceipts _held = new();

    // Since the last trim: the most traces open at once, and the fewest pooled (that many were
    // never needed in the interval). See OnTrimMemory.
    private int _peakOpen;
    private int _poolLowWater;
    private int _slotsReported;
    private int _writesInFlight;
    private bool _stopping;

    public TraceShardActor(
        string shardId,
        TraceActorSettings settings,
        TraceSampler sampler,
        DecisionCache decisions,
        ITraceOutcomeSink sink,
        PipelineGauges gauges,
        SpanRecycler? recycler = null)
    {
        _shardId = shardId;
        _recycler = recycler ?? SpanRecycler.Shared;
        _settings = settings;
        _sampler = sampler;
        _decisions = decisions;
        _sink = sink;
        _gauges = gauges;
        _tickTicks = Math.Max(1, settings.CompletionTick.Ticks);

        Receive<TraceCommands.AppendSpans>(m =>
        {
            OnAppend(m);
            FlushWrites();
        });
        Receive<Tick>(_ =>
        {
            OnTick();
            FlushWrites();
        });
        Receive<TraceQueries.GetTraceStatus>(q => Sender.Tell(Status(q.TraceId)));
        Receive<TraceGroupCommands.GroupDecided>(g =>
        {
            OnGroupDecided(g);
            FlushWrites();
        });
        Receive<JournalLookups.Answers>(a =>
        {
            foreach (var found in a.Found)
            {
                OnLookupResult(found);
            }
            FlushWrites();
        });
        Receive<TrimMemory>(_ => OnTrimMemory());
        Receive<TraceCommands.HandOffStop>(_ => OnHandOff());
        Receive<StopNow>(_ => Context.Stop(Self));
        Receive<WriteMessagesSuccessful>(_ => WriteDone());
        Receive<WriteMessagesFailed>(f =>
        {
            _log.Error(f.Cause, "Shard {0}: writing decisions to the journal failed; late spans on other nodes may be decided again", _shardId);
            WriteDone();
        });
        Receive<WriteMessageSuccess>(_ => { });
        Receive<WriteMessageRejected>(r => _log.Error(r.Cause, "Shard {0}: the journal rejected decision {1}; late spans on other nodes may be decided again", _shardId, r.Persistent.PersistenceId));
        Receive<WriteMessageFailure>(r => _log.Error(r.Cause, "Shard {0}: persisting decision {1} failed; late spans on other nodes may be decided again", _shardId, r.Persistent.PersistenceId));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(
        string shardId,
        TraceActorSettings settings,
        TraceSampler sampler,
        DecisionCache decisions,
        ITraceOutcomeSink sink,
        PipelineGauges gauges,
        SpanRecycler? recycler = null)
        => Akka.Actor.Props.CreateBy(new TraceShardActorProducer(shardId, settings, sampler, decisions, sink, gauges, recycler));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private IActorRef Journal => _journal ??= Akka.Persistence.Persistence.Instance.Apply(Context.System).JournalFor(_settings.JournalPluginId);

    private void OnAppend(TraceCommands.AppendSpans message)
    {
        var now = Now;
        var spans = message.Spans;
        if (_open.TryGetValue(message.TraceId, out var trace))
        {
            Add(trace.Buffer, spans, now);
            Copied(message);
            Hold(trace, message.Receipt);
            if (!trace.Recovering && trace.AwaitingGroup is null)
            {
                Evaluate(trace, now);
            }
            return;
        }
        if (_decisions.TryGet(message.TraceId, now, out var remembered))
        {
            var bytes = SizeOf(spans);
            _gauges.Buffered(spans.Count, bytes);
            // The late spans go on as they are (to storage when kept), still slicing the request
            // body: this message's share is never given back, and the body is left to the GC.
            var receipts = ForStorage(remembered.Keep, message.Receipt);
            FollowDecision(message.TraceId, remembered, spans, bytes, now, receipts: receipts);
            if (receipts.IsEmpty)
            {
                Confirm(message.Receipt);
            }
            return;
        }

        trace = Open(message.TraceId);
        Add(trace.Buffer, spans, now);
        Copied(message);
        Hold(trace, message.Receipt);
        _open.Add(message.TraceId, trace);
        _peakOpen = Math.Max(_peakOpen, _open.Count);
        if (_settings.DurableDecisions)
        {
            // Another incarnation of this shard may have decided the trace (this node's cache
            // would not know): ask the journal before deciding. Spans arriving meanwhile are
            // buffered; nothing is decided until the answer (or its timeout) is in.
            trace.Recovering = true;
            Lookup(message.TraceId);
            return;
        }
        _gauges.TraceOpened();
        Evaluate(trace, now);
    }

    /// <summary>
    /// Spans from another node's ingest are confirmed once their trace is decided (or they followed
    /// an earlier decision), not once buffered: the sender keeps them until then, so an owner that
    /// crashes with them buffered has them sent again to the shard's next home. Confirmed on
    /// arrival instead, a crash lost every span other nodes had sent it for open traces.
    /// </summary>
    private void Confirm(DeliveryReceipt? receipt)
    {
        if (receipt is { } owed)
        {
            _confirmations.Owe(owed, _settings.ConfirmInterval);
        }
    }

    /// <summary>
    /// A kept trace's receipts, taken from it to travel with its spans to storage, which owes them
    /// once the rows are written (<see cref="TraceActorSettings.ConfirmAfterStored"/>): until then
    /// a crash would lose the spans, so the senders must keep their copies. Null — the shard owes
    /// them at the decision — for a dropped trace (nothing more can be lost) or without storage.
    /// </summary>
    private OwedReceipts ForStorage(bool keep, OpenTrace trace) =>
        keep && _settings.ConfirmAfterStored ? _held.TakeAll(ref trace.ReceiptHead) : OwedReceipts.None;

    private void Hold(OpenTrace trace, DeliveryReceipt? receipt)
    {
        if (receipt is { } held)
        {
            _held.Hold(ref trace.ReceiptHead, held);
        }
    }

    private OwedReceipts ForStorage(bool keep, DeliveryReceipt? receipt) =>
        keep && _settings.ConfirmAfterStored && receipt is { } owed ? OwedReceipts.Of(owed) : OwedReceipts.None;

    /// <summary>The trace is decided and published: the receipts of the messages it took in are owed.</summary>
    private void ConfirmHeld(OpenTrace trace) => _held.OweAll(ref trace.ReceiptHead, _confirmations, _settings.ConfirmInterval);

    /// <summary>
    /// The message's spans are in the trace buffer (fields in the slots, bytes in the arena):
    /// the request body they sliced and the span objects themselves are given back. Nothing may
    /// read the message's spans after this.
    /// </summary>
    private void Copied(TraceCommands.AppendSpans message)
    {
        message.ReleaseSource();
        _recycler.Return(message.Spans);
    }

    private OpenTrace Open(TraceId traceId)
    {
        if (_pool.TryPop(out var trace))
        {
            _poolLowWater = Math.Min(_poolLowWater, _pool.Count);
            trace.Buffer.Reuse(traceId);
            return trace;
        }
        return new OpenTrace(new TraceBuffer(traceId, _arena, _slots));
    }

    /// <summary>Called once a trace is decided and released; nothing may touch it after.</summary>
    private void Recycle(OpenTrace trace)
    {
        // Cleared now, not when reused, and whether pooled or not: the buffer is old (gen2), and
        // a reference it kept would keep young objects alive until some later trace reused it.
        // A buffer dropped because the pool is full is no better: a young GC does not know an
        // old object is dead, so its references still count until the next full GC. That is how
        // decided span lists came to make up most of what survived young GCs after a load drop
        // (a heap walk at 100k spans/s right after 300k: 47,529 of 47,534 surviving lists held
        // by gen2 buffers); the list is now held by the shard's slots, which this lets go of.
        trace.Buffer.Reuse(trace.Buffer.TraceId);
        trace.Reset();
        if (_pool.Count < MaxPooledTraces)
        {
            _pool.Push(trace);
        }
    }

    /// <summary>
    /// Buffers spans, charging the node's buffer gauge with the bytes the buffer holds (compacted,
    /// so fewer than arrived) — the same figure it is released with, whatever the buffer makes of them.
    /// </summary>
    private void Add(TraceBuffer buffer, IReadOnlyList<BufferedSpan> spans, DateTimeOffset now)
    {
        var before = buffer.Bytes;
        var duplicates = buffer.Add(spans, now);
        _gauges.Buffered(spans.Count - duplicates, buffer.Bytes - before);
        if (duplicates > 0)
        {
            _gauges.Duplicates(duplicates);
        }
        ReportSlots();
    }

    private void ReportSlots()
    {
        if (_slots.Capacity != _slotsReported)
        {
            _gauges.SlotsHeld(_slots.Capacity - _slotsReported);
            _slotsReported = _slots.Capacity;
        }
    }

    private void Lookup(TraceId traceId)
        => (_lookups ??= DecisionLookups.Get(Context.System).For(_settings.JournalPluginId, _settings.LookupTimeout)).Request(traceId, Self);

    private void OnLookupResult(JournalLookups.Found result)
    {
        if (!_open.TryGetValue(result.TraceId, out var trace) || !trace.Recovering)
        {
            return;
        }
        trace.Recovering = false;
        var now = Now;
        if (result.Decided is { } decided)
        {
            // Decided by an earlier incarnation: what was buffered meanwhile is late and follows it.
            _open.Remove(result.TraceId);
            trace.Done = true;
            var keptBytes = decided.Decision.Keep ? trace.Buffer.DetachBytes() : null;
            FollowDecision(result.TraceId, decided.Decision, trace.Buffer.Spans, trace.Buffer.Bytes, now, keptBytes, ForStorage(decided.Decision.Keep, trace));
            ConfirmHeld(trace);
            trace.Buffer.Release();
            Recycle(trace);
            return;
        }
        if (result.Failure is { } failure)
        {
            // Availability over exactness: a journal that cannot answer must not hold traces
            // forever. The trace is decided here; if another incarnation had decided it, its
            // late spans get a second decision — logged, so it can be found.
            _log.Warning("Shard {0}: journal lookup for trace {1} failed ({2}); deciding without it", _shardId, result.TraceId, failure.Message);
        }
        _gauges.TraceOpened();
        Evaluate(trace, now);
    }

    private void Evaluate(OpenTrace trace, DateTimeOffset now)
    {
        var check = TraceCompletion.Evaluate(trace.Buffer, now, _settings.Completion);
        if (check.IsComplete)
        {
            Decide(trace, check.Reason, now);
            return;
        }
        Schedule(trace, check.NextCheck.UtcTicks, now);
    }

    private void Schedule(OpenTrace trace, long dueTicks, DateTimeOffset now)
    {
        if (trace.DueTicks <= dueTicks)
        {
            // An earlier check is queued; it re-evaluates and queues the next one.
            return;
        }
        trace.DueTicks = dueTicks;
        _due.Enqueue(trace, dueTicks);
        Arm(dueTicks, now);
    }

    /// <summary>
    /// One timer for the whole shard, at the earliest due check. After a tick the next one is at
    /// least one completion-tick later, so a busy shard's checks are batched (each at most one
    /// tick late) instead of one timer per trace.
    /// </summary>
    /// <remarks>
    /// While checks keep coming due within a tick or two (a shard under load), the timer repeats
    /// every completion-tick instead of being started again after each tick: every start of a
    /// single timer made ~7 objects in Akka's scheduler (~2 MB/s of a node's 20 at 200k spans/s,
    /// one start per shard per tick), a repeating one none per tick. A shard whose next check is
    /// further away goes back to a single timer, so an idle one is not woken every tick.
    /// </remarks>
    private void Arm(long dueTicks, DateTimeOffset now, long notBefore = 0)
    {
        var fireAt = Math.Max(dueTicks, notBefore);
        if (fireAt >= _armedFor)
        {
            return;
        }
        _armedFor = fireAt;
        _repeating = false;
        var delay = TimeSpan.FromTicks(Math.Max(fireAt - now.UtcTicks, 0));
        Timers.StartSingleTimer(TickTimer, Tick.Instance, delay);
        _gauges.CompletionTimerStarted();
    }

    /// <summary>After a tick: the timer for the next due check (<paramref name="nextDue"/>), or none.</summary>
    private void ArmAfterTick(long? nextDue, DateTimeOffset now)
    {
        var nowTicks = now.UtcTicks;
        if (nextDue is not { } next)
        {
            if (_repeating)
            {
                Timers.Cancel(TickTimer);
                _repeating = false;
                _armedFor = long.MaxValue;
            }
            return;
        }
        if (next > nowTicks + (2 * _tickTicks))
        {
            // Far enough away that ticking until then would be wasted wake-ups: a single timer
            // (under the same key, so it replaces a repeating one; Arm clears _repeating).
            _armedFor = long.MaxValue;
            Arm(next, now, nowTicks + _tickTicks);
            return;
        }
        // A repeating timer (started now, or already) replaces any single one armed meanwhile: a
        // check due sooner than a tick from now is then at most that tick late.
        _armedFor = nowTicks + _tickTicks;
        if (!_repeating)
        {
            _repeating = true;
            var tick = TimeSpan.FromTicks(_tickTicks);
            Timers.StartPeriodicTimer(TickTimer, Tick.Instance, tick, tick);
            _gauges.CompletionTimerStarted();
        }
    }

    private void OnTick()
    {
        var now = Now;
        var nowTicks = now.UtcTicks;
        // A repeating timer fires again one tick from now: checks the traces below queue for later
        // than that must not replace it with a single timer (and have it started again after).
        _armedFor = _repeating ? nowTicks + _tickTicks : long.MaxValue;
        while (_due.TryPeek(out var trace, out var due) && due <= nowTicks)
        {
            _due.Dequeue();
            if (trace.Done || trace.DueTicks != due)
            {
                continue;
            }
            trace.DueTicks = long.MaxValue;
            if (trace.AwaitingGroup is { } own)
            {
                // The group did not answer in time (unreachable shard?): never hold a trace
                // forever — decide alone, the reason says the group was not consulted.
                _log.Warning("Correlation group {0} of trace {1} did not answer; deciding alone", trace.GroupKey, trace.Buffer.TraceId);
                FinishDecide(trace, trace.PendingCompletion!, now, own with { Reason = "group-timeout/" + own.Reason });
                continue;
            }
            Evaluate(trace, now);
        }
        ArmAfterTick(_due.TryPeek(out _, out var next) ? next : null, now);
    }

    private void Decide(OpenTrace trace, string completionReason, DateTimeOffset now)
    {
        if (_settings.Correlation.Enabled
            && completionReason != CompletionReasons.HandOff
            && CorrelationKeys.Find(trace.Buffer.TraceId, trace.Buffer.Spans, _settings.Correlation) is { } key
            && ActorRegistry.For(Context.System).TryGet<TraceGroupRegion>(out var groups))
        {
            // One decision per group: propose this trace's own decision and wait for the group's.
            var own = _sampler.Decide(new TraceSnapshot(trace.Buffer.TraceId, trace.Buffer.Spans, completionReason), now);
            trace.GroupKey = key;
            trace.AwaitingGroup = own;
            trace.PendingCompletion = completionReason;
            _awaitingGroups ??= [];
            if (!_awaitingGroups.TryGetValue(key, out var members))
            {
                _awaitingGroups[key] = members = [];
            }
            members.Add(trace);
            // The group-timeout replaces whatever check was queued for the trace. It is armed
            // before the proposal leaves, so whoever sees the proposal sees the timeout armed.
            trace.DueTicks = long.MaxValue;
            var timeout = now + (_settings.Correlation.GroupWait * 3) + TimeSpan.FromSeconds(1);
            Schedule(trace, timeout.UtcTicks, now);
            groups.Tell(new TraceGroupCommands.Propose(key, trace.Buffer.TraceId, own), Self);
            return;
        }
        FinishDecide(trace, completionReason, now, null);
    }

    private void OnGroupDecided(TraceGroupCommands.GroupDecided decided)
    {
        if (_awaitingGroups is null || !_awaitingGroups.Remove(decided.GroupKey, out var members))
        {
            return;
        }
        var now = Now;
        foreach (var trace in members)
        {
            if (!trace.Done && trace.AwaitingGroup is not null)
            {
                FinishDecide(trace, trace.PendingCompletion!, now, decided.Decision);
            }
        }
    }

    /// <summary>The one decision: sampler, cache, gauges, publish, journal. The trace is forgotten after.</summary>
    private void FinishDecide(OpenTrace trace, string completionReason, DateTimeOffset now, SamplingDecision? given)
    {
        var buffer = trace.Buffer;
        var traceId = buffer.TraceId;
        if (trace.AwaitingGroup is not null && trace.GroupKey is { } key && _awaitingGroups is not null
            && _awaitingGroups.TryGetValue(key, out var members))
        {
            members.Remove(trace);
            if (members.Count == 0)
            {
                _awaitingGroups.Remove(key);
            }
        }
        trace.AwaitingGroup = null;
        trace.Done = true;
        _open.Remove(traceId);

        var decision = given ?? _sampler.Decide(new TraceSnapshot(traceId, buffer.Spans, completionReason), now);
        _decisions.Add(traceId, decision, now);
        if (trace.Recovering)
        {
            // Decided (hand-off) before the journal answered: it was never counted as open.
            _gauges.TraceOpened();
        }
        _gauges.Decided(decision.Keep, decision.Reason, completionReason, buffer.SpanCount, now - buffer.LastArrival);
        _gauges.Released(buffer.SpanCount, buffer.Bytes);
        // Kept spans outlive the decision on their way to storage: out of the arena first, into
        // a pooled buffer storage gives back once their rows are written.
        var keptBytes = decision.Keep ? buffer.DetachBytes() : null;
        // The stitch is stored with a kept trace's summary; nothing reads a dropped trace's, so
        // ~90 % of decisions skip computing it.
        var stitch = decision.Keep ? TraceStitcher.Stitch(buffer) : null;
        Publish(new TraceDecided(traceId, decision, completionReason, buffer.Spans, buffer.Bytes, false, buffer.FirstArrival, buffer.LastArrival, now, stitch, trace.GroupKey, keptBytes, ForStorage(decision.Keep, trace)));
        ConfirmHeld(trace);
        // A dropped trace's span objects are read by no one once published (TraceDecided.Spans):
        // the next decision reuses them. A kept trace's go on to storage.
        buffer.Release(reuseSpans: !decision.Keep);

        if (_settings.DurableDecisions)
        {
            var persistent = new Persistent(
                new TraceEvents.Decided(traceId, decision, completionReason, now), 1, PersistenceIdPrefix + traceId.ToHex(),
                string.Empty, false, ActorRefs.NoSender, _writerGuid);
            (_pendingWrites ??= []).Add(new AtomicWrite(persistent));
        }
        Recycle(trace);
    }

    /// <summary>
    /// The decisions made while handling one message go to the journal in one write (the Redis
    /// journal makes that one round trip). Fire and forget while running: the decision already
    /// stands in memory and in the cache; the journal only matters to a later incarnation.
    /// </summary>
    private void FlushWrites()
    {
        if (_pendingWrites is not { Count: > 0 } writes)
        {
            return;
        }
        _pendingWrites = null;
        _writesInFlight++;
        Journal.Tell(new WriteMessages(writes, Self, 1), Self);
    }

    private void WriteDone()
    {
        _writesInFlight--;
        if (_stopping && _writesInFlight <= 0)
        {
            Context.Stop(Self);
        }
    }

    private void FollowDecision(TraceId traceId, SamplingDecision decision, IReadOnlyList<BufferedSpan> spans, long bytes, DateTimeOffset now, SharedBuffer? keptBytes = null, OwedReceipts receipts = default)
    {
        // Remembered locally too, so the next late span does not ask the journal again.
        _decisions.Add(traceId, decision, now);
        _gauges.Late(spans.Count, decision.Keep);
        _gauges.Released(spans.Count, bytes);
        var late = decision with { Reason = "late/" + decision.Reason };
        Publish(new TraceDecided(traceId, late, "late", spans, bytes, true, now, now, now, KeptBytes: keptBytes, Receipts: receipts));
    }

    /// <summary>
    /// Sharding sends this instead of PoisonPill when the shard hands off or the node leaves.
    /// Deciding early with a recorded reason is the promise made for hand-offs: a moving shard
    /// must never silently lose what it buffered. With durable decisions the shard stops only
    /// once the journal confirmed them (or after lookup-timeout), so the next owner finds them.
    /// </summary>
    private void OnHandOff()
    {
        DecideEverything();
        FlushWrites();
        if (_writesInFlight <= 0)
        {
            Context.Stop(Self);
            return;
        }
        _stopping = true;
        Timers.StartSingleTimer(StopTimer, StopNow.Instance, _settings.LookupTimeout);
    }

    private void DecideEverything()
    {
        if (_open.Count == 0)
        {
            return;
        }
        var now = Now;
        foreach (var trace in _open.Values.ToArray())
        {
            // A trace waiting for its group decides with its own decision now.
            FinishDecide(trace, CompletionReasons.HandOff, now, trace.AwaitingGroup);
        }
    }

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(TrimTimer, TrimMemory.Instance, _settings.MemoryTrimInterval);
        base.PreStart();
    }

    /// <summary>
    /// Gives back what a past burst made the shard grow — span slot pages, the open-trace table
    /// and due queue, pooled trace state, free arena chunks — keeping what the last interval
    /// needed at its peak, so a load that comes and goes within an interval does not regrow them
    /// again and again. Without it a node kept its peak for good: an idle node after 60 s at
    /// 300k spans/s held 318 MB of live heap (slot pages for 951k spans, the shards' tables on
    /// the large object heap, pooled chunks). What is given back is free space in the GC's heap
    /// until a full collection; the node's MemoryReleaser asks for one when a burst's worth was.
    /// The node-wide pinned pools (arena chunks, request bodies, kept traces' bytes) are trimmed
    /// by whichever shard comes first each interval, by half of what went unused.
    /// </summary>
    private void OnTrimMemory()
    {
        _slots.Trim();
        ReportSlots();
        var openPeak = Math.Max(_peakOpen, _open.Count);
        if (_open.EnsureCapacity(0) > 2 * Math.Max(openPeak, MinTableCapacity))
        {
            _open.TrimExcess(Math.Max(openPeak, MinTableCapacity));
        }
        if (_due.EnsureCapacity(0) > 2 * Math.Max(Math.Max(openPeak, _due.Count), MinTableCapacity))
        {
            _due.TrimExcess();
        }
        var unused = Math.Min(_poolLowWater, _pool.Count);
        if (unused > 0)
        {
            for (var i = 0; i < unused; i++)
            {
                _pool.Pop();
            }
            _pool.TrimExcess();
        }
        _arena.Pool.TrimUnused(Now.UtcTicks, _settings.MemoryTrimInterval.Ticks);
        SharedBufferPool.TrimShared(Now.UtcTicks, _settings.MemoryTrimInterval.Ticks);
        _peakOpen = _open.Count;
        _poolLowWater = _pool.Count;
    }

    /// <summary>
    /// Stopped with traces still buffered — the node is going down without a coordinated hand-off
    /// (e.g. downed by the split brain resolver while the coordinator is unreachable). Decide now
    /// with reason hand_off and publish, so the spans reach storage before the node's final flush
    /// instead of vanishing. The journal still runs (it stops with the actor system, after
    /// coordinated shutdown), so durable decisions are still written — fire and forget: if the
    /// node dies before the write lands, the other fragments of those traces get their own decision.
    /// </summary>
    protected override void PostStop()
    {
        DecideEverything();
        FlushWrites();
        // Everything this node's shards owe goes now, not within confirm-interval: the actor
        // system may be terminating with this shard (a node shutting down), taking the scheduler.
        _confirmations.Send();
        // The slots go with the actor (a handed-off shard's are held by its next owner).
        _gauges.SlotsHeld(-_slotsReported);
        base.PostStop();
    }

    private void Publish(in TraceDecided decided)
    {
        try
        {
            _sink.OnDecided(in decided);
        }
        catch (Exception e)
        {
            // The sink enqueues without blocking; if it throws, it is a bug worth a loud log,
            // but the decision itself stands (it is cached) and late spans must still follow it.
            _log.Error(e, "Publishing the decision of trace {0} failed", decided.TraceId);
        }
    }

    private TraceQueries.TraceStatus Status(TraceId traceId)
    {
        if (_open.TryGetValue(traceId, out var trace))
        {
            var buffer = trace.Buffer;
            var regions = buffer.RegionArrivals.Select(r => r.Key).ToArray();
            // The queued check is the next one: a later one is only computed when it runs.
            DateTimeOffset? nextCheck = trace.DueTicks == long.MaxValue ? null : new DateTimeOffset(trace.DueTicks, TimeSpan.Zero);
            return new TraceQueries.TraceStatus(traceId, buffer.SpanCount, buffer.Bytes, buffer.RootSeen, regions, null, null, nextCheck);
        }
        // Decided (or never seen): the cache keeps the decision, not why the trace was complete.
        var decision = _decisions.TryGet(traceId, Now, out var remembered) ? remembered : null;
        return new TraceQueries.TraceStatus(traceId, 0, 0, false, [], decision, null, null);
    }

    private static long SizeOf(IReadOnlyList<BufferedSpan> spans)
    {
        long bytes = 0;
        for (var i = 0; i < spans.Count; i++)
        {
            bytes += spans[i].Size;
        }
        return bytes;
    }

    /// <summary>One undecided trace of the shard.</summary>
    private sealed class OpenTrace(TraceBuffer buffer)
    {
        public TraceBuffer Buffer { get; } = buffer;

        /// <summary>When its queued check is due (UTC ticks); long.MaxValue = none queued.</summary>
        public long DueTicks { get; set; } = long.MaxValue;

        /// <summary>Waiting for the journal to say whether another incarnation decided it.</summary>
        public bool Recovering { get; set; }

        public bool Done { get; set; }

        public string? GroupKey { get; set; }

        /// <summary>Its own decision, proposed to its correlation group, while the group has not answered.</summary>
        public SamplingDecision? AwaitingGroup { get; set; }

        public string? PendingCompletion { get; set; }

        /// <summary>
        /// Where its newest receipt is in the shard's <see cref="HeldReceipts"/> (a field: the
        /// shard passes it by reference); <see cref="HeldReceipts.None"/> when it holds none. A
        /// decided trace has owed or handed on all of them.
        /// </summary>
        public int ReceiptHead = HeldReceipts.None;

        public void Reset()
        {
            if (ReceiptHead != HeldReceipts.None)
            {
                throw new InvalidOperationException("a trace was released still holding receipts");
            }
            DueTicks = long.MaxValue;
            Recovering = false;
            Done = false;
            GroupKey = null;
            AwaitingGroup = null;
            PendingCompletion = null;
        }
    }

    private sealed class Tick : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly Tick Instance = new();

        private Tick()
        {
        }
    }

    private sealed class TrimMemory : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly TrimMemory Instance = new();

        private TrimMemory()
        {
        }
    }

    private sealed class StopNow : IDeadLetterSuppression
    {
        public static readonly StopNow Instance = new();

        private StopNow()
        {
        }
    }
}
