using ActorTracing.Domain.Correlation;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorTracing.Actors.Groups;

/// <summary>
/// One per correlation group key, sharded like traces. Members propose their own decision when
/// complete; after group-wait from the first proposal the group decides once
/// (<see cref="GroupDecision.Merge"/>) and answers every member — members that arrive later get
/// the same decision at once. It passivates after staying idle for <c>idle</c>.
/// </summary>
public sealed class TraceGroupActor : ReceiveActor, IWithTimers
{
    private const string DecideTimer = "decide";
    private const string IdleTimer = "idle";

    private readonly string _key;
    private readonly TimeSpan _wait;
    private readonly TimeSpan _idle;
    private readonly List<(TraceGroupCommands.Propose Proposal, IActorRef ReplyTo)> _pending = [];
    private readonly List<Domain.TraceId> _members = [];
    private SamplingDecision? _decision;

    public TraceGroupActor(string key, TimeSpan wait, TimeSpan idle)
    {
        _key = key;
        _wait = wait;
        _idle = idle;
        Receive<TraceGroupCommands.Propose>(OnPropose);
        Receive<DecideNow>(_ => Decide());
        Receive<Idle>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string key, TimeSpan wait, TimeSpan idle) => Akka.Actor.Props.Create(() => new TraceGroupActor(key, wait, idle));

    private void OnPropose(TraceGroupCommands.Propose proposal)
    {
        Timers.StartSingleTimer(IdleTimer, Idle.Instance, _idle);
        if (!_members.Contains(proposal.TraceId))
        {
            _members.Add(proposal.TraceId);
        }
        if (_decision is not null)
        {
            Sender.Tell(new TraceGroupCommands.GroupDecided(_key, _decision, _members.ToArray()));
            return;
        }
        _pending.Add((proposal, Sender));
        if (_pending.Count == 1)
        {
            Timers.StartSingleTimer(DecideTimer, DecideNow.Instance, _wait);
        }
    }

    private void Decide()
    {
        _decision = GroupDecision.Merge(_pending.Select(p => p.Proposal.Decision).ToArray());
        var decided = new TraceGroupCommands.GroupDecided(_key, _decision, _members.ToArray());
        foreach (var (_, replyTo) in _pending)
        {
            replyTo.Tell(decided);
        }
        _pending.Clear();
    }

    private sealed class DecideNow : INotInfluenceReceiveTimeout
    {
        public static readonly DecideNow Instance = new();

        private DecideNow()
        {
        }
    }

    private sealed class Idle : INotInfluenceReceiveTimeout
    {
        public static readonly Idle Instance = new();

        private Idle()
        {
        }
    }
}
