using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Correlation;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Domain.Stitching;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;

namespace ActorTracing.Actors.Traces;

/// <summary>
/// One actor per trace id, hosted by cluster sharding so every span of a trace — from any region,
/// through any node — meets here. It buffers spans until <see cref="TraceCompletion"/> says the
/// trace is complete, asks the pure <see cref="TraceSampler"/> once, publishes the outcome and
/// passivates. Spans that come later find the decision in the node's <see cref="DecisionCache"/>
/// and follow it. With durable decisions on, the decision is also persisted (one event per trace)
/// and recovered by the next incarnation — on another node after a crash, hand-off or rebalance —
/// so late spans follow it there too. Time is the scheduler's clock so tests drive it virtually.
/// </summary>
public sealed class TraceActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>Persistence ids are "trace-&lt;hex&gt;": the journal's key expiry matches this prefix.</summary>
    public const string PersistenceIdPrefix = "trace-";

    private const string CompletionTimer = "completion";
    private const string GroupTimer = "group";

    private readonly TraceId _traceId;
    private readonly TraceActorSettings _settings;
    private readonly TraceSampler _sampler;
    private readonly DecisionCache _decisions;
    private readonly ITraceOutcomeSink _sink;
    private readonly PipelineGauges _gauges;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TraceBuffer? _buffer;
    private SamplingDecision? _decision;
    private string? _completionReason;
    private DateTimeOffset? _nextCheck;
    private string? _groupKey;
    private SamplingDecision? _awaitingGroup;
    private string? _pendingCompletion;

    public TraceActor(
        string entityId,
        TraceActorSettings settings,
        TraceSampler sampler,
        DecisionCache decisions,
        ITraceOutcomeSink sink,
        PipelineGauges gauges)
    {
        if (!TraceId.TryParseHex(entityId, out _traceId))
        {
            throw new ArgumentException($"entity id '{entityId}' is not a trace id", nameof(entityId));
        }
        _settings = settings;
        _sampler = sampler;
        _decisions = decisions;
        _sink = sink;
        _gauges = gauges;
        PersistenceId = PersistenceIdPrefix + entityId;
        if (settings.DurableDecisions && settings.JournalPluginId.Length > 0)
        {
            JournalPluginId = settings.JournalPluginId;
        }

        Recover<TraceEvents.Decided>(e =>
        {
            // A previous incarnation decided: whatever arrives now is late and follows it.
            _decision = e.Decision;
            _completionReason = "late";
        });
        Command<TraceCommands.AppendSpans>(OnAppend);
        Command<CheckCompletion>(_ => Evaluate(Now));
        Command<TraceQueries.GetTraceStatus>(_ =>
        {
            if (_decision is null && _buffer is null && _decisions.TryGet(_traceId, Now, out var remembered))
            {
                // Decided earlier by this node (the incarnation that decided has passivated); the
                // cache keeps the decision, not why the trace was complete, so that stays unknown.
                _decision = remembered;
            }
            Sender.Tell(Status());
            if (_buffer is null)
            {
                // An operator's `trace show` for a trace this actor holds nothing of must not leave
                // an actor behind: idle passivation is off for trace entities.
                Passivate();
            }
        });
        Command<TraceGroupCommands.GroupDecided>(g =>
        {
            if (_decision is null && _awaitingGroup is not null)
            {
                FinishDecide(_pendingCompletion!, Now, g.Decision);
            }
        });
        Command<GroupTimeout>(_ =>
        {
            if (_decision is null && _awaitingGroup is { } own)
            {
                // The group did not answer in time (unreachable shard?): never hold a trace
                // forever — decide alone, the reason says the group was not consulted.
                _log.Warning("Correlation group {0} of trace {1} did not answer; deciding alone", _groupKey, _traceId);
                FinishDecide(_pendingCompletion!, Now, own with { Reason = "group-timeout/" + own.Reason });
            }
        });
        Command<TraceCommands.HandOffStop>(_ =>
        {
            // Deciding early with a recorded reason is the promise made for hand-offs: a moving
            // shard must never silently lose what it buffered.
            if (_decision is null && _awaitingGroup is { } own)
            {
                // The group has not answered: decide with this trace's own decision now.
                FinishDecide(CompletionReasons.HandOff, Now, own);
            }
            else if (_buffer is { SpanCount: > 0 })
            {
                Decide(CompletionReasons.HandOff, Now);
            }
            Context.Stop(Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId { get; }

    /// <summary>
    /// Without durable decisions nothing was ever persisted, so there is nothing to replay: skip
    /// recovery instead of asking the journal for every new trace.
    /// </summary>
    public override Recovery Recovery => _settings.DurableDecisions ? base.Recovery : Recovery.None;

    public static Akka.Actor.Props Props(
        string entityId,
        TraceActorSettings settings,
        TraceSampler sampler,
        DecisionCache decisions,
        ITraceOutcomeSink sink,
        PipelineGauges gauges)
        => Akka.Actor.Props.Create(() => new TraceActor(entityId, settings, sampler, decisions, sink, gauges));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private void OnAppend(TraceCommands.AppendSpans message)
    {
        var now = Now;
        long bytes = 0;
        foreach (var s in message.Spans)
        {
            bytes += s.Size;
        }
        _gauges.Buffered(message.Spans.Count, bytes);
        if (_decision is null && _decisions.TryGet(_traceId, now, out var remembered))
        {
            _decision = remembered;
            _completionReason = "late";
        }
        if (_decision is not null)
        {
            FollowDecision(message.Spans, now);
            return;
        }
        if (_buffer is null)
        {
            _buffer = new TraceBuffer(_traceId);
            _gauges.TraceOpened();
        }
        _buffer.Add(message.Spans, now);
        Evaluate(now);
    }

    private void Evaluate(DateTimeOffset now)
    {
        if (_buffer is null || _decision is not null || _awaitingGroup is not null)
        {
            return;
        }
        var check = TraceCompletion.Evaluate(_buffer, now, _settings.Completion);
        if (check.IsComplete)
        {
            Decide(check.Reason, now);
            return;
        }
        _nextCheck = check.NextCheck;
        var delay = check.NextCheck - now;
        Timers.StartSingleTimer(CompletionTimer, CheckCompletion.Instance, delay > TimeSpan.Zero ? delay : TimeSpan.FromMilliseconds(1));
    }

    private void Decide(string completionReason, DateTimeOffset now)
    {
        Timers.CancelAll();
        if (_settings.Correlation.Enabled
            && completionReason != CompletionReasons.HandOff
            && CorrelationKeys.Find(_traceId, _buffer!.Spans, _settings.Correlation) is { } key
            && ActorRegistry.For(Context.System).TryGet<TraceGroupRegion>(out var groups))
        {
            // One decision per group: propose this trace's own decision and wait for the group's.
            var own = _sampler.Decide(new TraceSnapshot(_traceId, _buffer.Spans, completionReason), now);
            _groupKey = key;
            _awaitingGroup = own;
            _pendingCompletion = completionReason;
            groups.Tell(new TraceGroupCommands.Propose(key, _traceId, own), Self);
            Timers.StartSingleTimer(GroupTimer, GroupTimeout.Instance, (_settings.Correlation.GroupWait * 3) + TimeSpan.FromSeconds(1));
            return;
        }
        FinishDecide(completionReason, now, null);
    }

    private void FinishDecide(string completionReason, DateTimeOffset now, SamplingDecision? given)
    {
        Timers.CancelAll();
        _awaitingGroup = null;
        var decision = DecideAndPublish(completionReason, now, given);

        if (_settings.DurableDecisions)
        {
            // PersistAsync: spans arriving meanwhile are not stashed, they follow the decision
            // already made in memory. Passivating only once the event is written means a new
            // incarnation (which would recover from the journal) cannot miss it.
            PersistAsync(new TraceEvents.Decided(_traceId, decision, completionReason, now), _ => Passivate());
        }
        else
        {
            Passivate();
        }
    }

    /// <summary>
    /// Stopped with spans still buffered — the node is going down without a coordinated hand-off
    /// (e.g. downed by the split brain resolver while the coordinator is unreachable). Decide now
    /// with reason hand_off and publish, so the spans reach storage before the node's final flush
    /// instead of vanishing. Nothing is persisted: a stopped actor cannot persist.
    /// </summary>
    protected override void PostStop()
    {
        if (_decision is null && _buffer is { SpanCount: > 0 })
        {
            var now = Now;
            var decision = DecideAndPublish(CompletionReasons.HandOff, now);
            if (_settings.DurableDecisions)
            {
                // Persist() is not available to a stopped actor, but the journal still runs (it
                // stops with the actor system, after coordinated shutdown): write the event to it
                // directly, so the node that takes the shard over recovers this decision for the
                // trace's other fragments instead of deciding them a second time. Fire and forget:
                // if the node dies before the write lands, those fragments get their own decision.
                var journal = Persistence.Instance.Apply(Context.System).JournalFor(JournalPluginId);
                var persistent = new Persistent(new TraceEvents.Decided(_traceId, decision, CompletionReasons.HandOff, now), LastSequenceNr + 1, PersistenceId, string.Empty, false, ActorRefs.NoSender, Guid.NewGuid().ToString("N"));
                journal.Tell(new WriteMessages([new AtomicWrite(persistent)], ActorRefs.NoSender, 1));
            }
        }
        base.PostStop();
    }

    /// <summary>The one decision: sampler, cache, gauges, publish. Returns what was decided.</summary>
    private SamplingDecision DecideAndPublish(string completionReason, DateTimeOffset now, SamplingDecision? given = null)
    {
        var buffer = _buffer!;
        var decision = given ?? _sampler.Decide(new TraceSnapshot(_traceId, buffer.Spans, completionReason), now);
        _decision = decision;
        _completionReason = completionReason;
        _decisions.Add(_traceId, decision, now);
        _gauges.Decided(decision.Keep, decision.Reason, completionReason, buffer.SpanCount, now - buffer.LastArrival);
        _gauges.Released(buffer.SpanCount, buffer.Bytes);
        Publish(new TraceDecided(_traceId, decision, completionReason, buffer.Spans, buffer.Bytes, false, buffer.FirstArrival, buffer.LastArrival, now, TraceStitcher.Stitch(buffer), _groupKey));
        _buffer = null;
        return decision;
    }

    /// <summary>
    /// Passivate rather than stop: sharding buffers messages that race with the stop and
    /// delivers them to a new incarnation, which finds the decision in the cache or journal.
    /// </summary>
    private void Passivate() => Context.Parent.Tell(new Passivate(TraceCommands.HandOffStop.Instance));

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The decision stands in memory and in this node's cache; only its durability is lost.
        _log.Error(cause, "Persisting the decision of trace {0} was rejected; late spans on other nodes may be decided again", _traceId);
        Passivate();
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Persisting the decision of trace {0} failed; late spans on other nodes may be decided again", _traceId);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    private void FollowDecision(IReadOnlyList<BufferedSpan> spans, DateTimeOffset now)
    {
        long bytes = 0;
        foreach (var s in spans)
        {
            bytes += s.Size;
        }
        _gauges.Late(spans.Count, _decision!.Keep);
        _gauges.Released(spans.Count, bytes);
        var late = _decision with { Reason = "late/" + _decision.Reason };
        Publish(new TraceDecided(_traceId, late, "late", spans, bytes, true, now, now, now));
        // Nothing is buffered once decided: this incarnation exists only for the late spans.
        Passivate();
    }

    private void Publish(TraceDecided decided)
    {
        try
        {
            _sink.OnDecided(decided);
        }
        catch (Exception e)
        {
            // The sink enqueues without blocking; if it throws, it is a bug worth a loud log,
            // but the decision itself stands (it is cached) and late spans must still follow it.
            _log.Error(e, "Publishing the decision of trace {0} failed", _traceId);
        }
    }

    private TraceQueries.TraceStatus Status()
    {
        var regions = _buffer?.RegionArrivals.Select(r => r.Key).ToArray() ?? [];
        return new TraceQueries.TraceStatus(_traceId, _buffer?.SpanCount ?? 0, _buffer?.Bytes ?? 0, _buffer?.RootSeen ?? false, regions, _decision, _completionReason, _nextCheck);
    }

    private sealed class GroupTimeout : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly GroupTimeout Instance = new();

        private GroupTimeout()
        {
        }
    }
}
