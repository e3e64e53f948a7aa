using System.Collections.Immutable;
using ActorTracing.Domain.Sampling;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorTracing.Actors.Cluster;

/// <summary>
/// Keeps <see cref="ShardHomes"/> current: shard owners from each processing member's region
/// (refreshed on a timer; when a region does not answer — it is across a partition — its last
/// known shards are kept), unreachable members from cluster reachability events, and members
/// that left while owning shards: those shards are marked departed, and forgotten (unallocated)
/// once at least one full refresh interval has passed, by when the shard regions know too.
/// </summary>
public sealed class ShardHomeTracker : ReceiveActor, IWithTimers
{
    private const string RefreshTimer = "refresh";

    private readonly ShardHomes _homes;
    private readonly IActorRef _region;
    private readonly string _processRole;
    private readonly string _typeName;
    private readonly TimeSpan _interval;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TraceSampler? _sampler;

    // Departed owners and the refresh during which they were first seen departed.
    private readonly Dictionary<Address, long> _departedAt = [];
    private long _refreshes;

    public ShardHomeTracker(ShardHomes homes, IActorRef region, string typeName, string processRole, TimeSpan interval, TraceSampler? sampler = null)
    {
        _sampler = sampler;
        _typeName = typeName;
        _homes = homes;
        _region = region;
        _processRole = processRole;
        _interval = interval;

        Receive<ClusterEvent.IClusterDomainEvent>(_ => PublishReachability());
        Receive<Refresh>(_ => RefreshAll());
        Receive<RegionAnswered>(OnRegionAnswered);
        Receive<Status.Failure>(f => _log.Debug("sharding stats refresh failed: {0}", f.Cause.Message));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="sampler">This node's sampler, whose cluster-wide rate limits get this node's part of the shards as their share; null on a node that decides nothing.</param>
    public static Props Props(ShardHomes homes, IActorRef region, string typeName, string processRole, TimeSpan interval, TraceSampler? sampler = null) =>
        Akka.Actor.Props.Create(() => new ShardHomeTracker(homes, region, typeName, processRole, interval, sampler));

    protected override void PreStart()
    {
        var cluster = _cluster;
        _homes.AttachSelfStatus(() => cluster.SelfMember.Status, cluster.SelfAddress);
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer(RefreshTimer, Refresh.Instance, TimeSpan.Zero, _interval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    /// <summary>
    /// Asks every processing member's region directly (not the coordinator's aggregate: it lives on
    /// one node, and during a partition that node may be the unreachable one), keyed by the member
    /// address so it matches the reachability view exactly.
    /// </summary>
    private void RefreshAll()
    {
        _refreshes++;
        ForgetDeparted();
        // Cluster.State is updated by its own subscriber, so while handling an event it may still
        // be the previous view; re-reading it on every tick makes the published view converge.
        PublishReachability();
        var self = Self;
        foreach (var member in _cluster.State.Members)
        {
            if (!member.HasRole(_processRole) || member.Status != MemberStatus.Up || _cluster.State.Unreachable.Contains(member))
            {
                continue;
            }
            var address = member.Address;
            var region = address == _cluster.SelfAddress
                ? (ICanTell)_region
                : Context.ActorSelection(new RootActorPath(address) / "system" / "sharding" / _typeName);
            region.Ask<ShardRegionStats>(GetShardRegionStats.Instance, _interval)
                .PipeTo(self, success: stats => new RegionAnswered(address, stats), failure: e => new Status.Failure(e));
        }
    }

    private void OnRegionAnswered(RegionAnswered answer)
    {
        var current = _homes.Current;
        var homes = current.Homes.ToBuilder();
        // The region that answered is authoritative for its own shards: drop what it no longer
        // owns (a rebalance moved it), add what it owns now. Silent regions keep their last known
        // shards — exactly the ones ingest must refuse while their owner is cut off.
        foreach (var (shard, home) in current.Homes)
        {
            if (home == answer.Address && !answer.Stats.Stats.ContainsKey(shard))
            {
                homes.Remove(shard);
            }
        }
        foreach (var shard in answer.Stats.Stats.Keys)
        {
            homes[shard] = answer.Address;
        }
        _homes.Publish(current with { Homes = homes.ToImmutable() });
        PublishShare();
    }

    /// <summary>
    /// This node's part of every cluster-wide rate limit: the part of the allocated shards it owns
    /// (a shard not allocated yet carries no traces). Every node computes it from the same
    /// answers, so the parts add up to the whole budget; kept as it was while no shard is known.
    /// </summary>
    private void PublishShare()
    {
        if (_sampler is null || _homes.KnownShards == 0)
        {
            return;
        }
        _sampler.SetClusterShare((double)_homes.ShardsOn(_cluster.SelfAddress) / _homes.KnownShards);
    }

    private void PublishReachability()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToImmutableHashSet();
        var coordinator = state.Members
            .Where(m => m.HasRole(_processRole) && m.Status is MemberStatus.Up or MemberStatus.Leaving)
            .OrderBy(m => m, Member.AgeOrdering)
            .FirstOrDefault()?.Address;
        var current = _homes.Current;
        var members = state.Members.Select(m => m.Address).ToHashSet();
        foreach (var home in current.Homes.Values)
        {
            if (!members.Contains(home) && !unreachable.Contains(home) && _departedAt.TryAdd(home, _refreshes))
            {
                _homes.Departed();
            }
        }
        _homes.Publish(current with { Unreachable = unreachable, CoordinatorHome = coordinator, Departed = [.. _departedAt.Keys] });
    }

    /// <summary>
    /// Forgets the shards of owners first seen departed before the previous refresh began: at
    /// least one full interval ago. They read as unallocated then, so ingest accepts their traces
    /// and the shard region asks the coordinator for a new home.
    /// </summary>
    private void ForgetDeparted()
    {
        var gone = _departedAt.Where(d => d.Value < _refreshes - 1).Select(d => d.Key).ToList();
        if (gone.Count == 0)
        {
            return;
        }
        foreach (var address in gone)
        {
            _departedAt.Remove(address);
        }
        var current = _homes.Current;
        var homes = current.Homes.Where(h => !gone.Contains(h.Value)).ToImmutableDictionary();
        _homes.Publish(current with { Homes = homes, Departed = [.. _departedAt.Keys] });
        PublishShare();
    }

    private sealed record RegionAnswered(Address Address, ShardRegionStats Stats);

    private sealed class Refresh : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly Refresh Instance = new();

        private Refresh()
        {
        }
    }
}
