using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorTracing.Actors.Cluster;

/// <summary>
/// Keeps <see cref="ShardHomes"/> current: shard owners from the cluster-wide sharding stats
/// (refreshed on a timer; when a region does not answer — it is across a partition — its last
/// known shards are kept), unreachable members from cluster reachability events.
/// </summary>
public sealed class ShardHomeTracker : ReceiveActor, IWithTimers
{
    private const string RefreshTimer = "refresh";

    private readonly ShardHomes _homes;
    private readonly IActorRef _region;
    private readonly string _processRole;
    private readonly TimeSpan _interval;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ShardHomeTracker(ShardHomes homes, IActorRef region, string processRole, TimeSpan interval)
    {
        _homes = homes;
        _region = region;
        _processRole = processRole;
        _interval = interval;

        Receive<ClusterEvent.IClusterDomainEvent>(_ => PublishReachability());
        Receive<Refresh>(_ =>
        {
            var self = Self;
            _region.Ask<ClusterShardingStats>(new GetClusterShardingStats(_interval), _interval + TimeSpan.FromSeconds(1))
                .PipeTo(self, failure: e => new Status.Failure(e));
        });
        Receive<ClusterShardingStats>(OnStats);
        Receive<Status.Failure>(f => _log.Debug("sharding stats refresh failed: {0}", f.Cause.Message));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ShardHomes homes, IActorRef region, string processRole, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new ShardHomeTracker(homes, region, processRole, interval));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer(RefreshTimer, Refresh.Instance, TimeSpan.Zero, _interval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnStats(ClusterShardingStats stats)
    {
        var current = _homes.Current;
        var homes = current.Homes.ToBuilder();
        // Regions that answered are authoritative for their shards; a shard listed by none of
        // them keeps its last known home only if that home did not answer (it may be cut off).
        var answered = stats.Regions.Keys.ToHashSet();
        foreach (var (shard, home) in current.Homes)
        {
            if (answered.Contains(home))
            {
                homes.Remove(shard);
            }
        }
        foreach (var (address, regionStats) in stats.Regions)
        {
            foreach (var shard in regionStats.Stats.Keys)
            {
                homes[shard] = address;
            }
        }
        _homes.Publish(current with { Homes = homes.ToImmutable() });
    }

    private void PublishReachability()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToImmutableHashSet();
        var coordinator = state.Members
            .Where(m => m.HasRole(_processRole) && m.Status is MemberStatus.Up or MemberStatus.Leaving)
            .OrderBy(m => m, Member.AgeOrdering)
            .FirstOrDefault()?.Address;
        _homes.Publish(_homes.Current with { Unreachable = unreachable, CoordinatorHome = coordinator });
    }

    private sealed class Refresh : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly Refresh Instance = new();

        private Refresh()
        {
        }
    }
}
