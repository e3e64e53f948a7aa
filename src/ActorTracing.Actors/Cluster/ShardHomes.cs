using System.Collections.Immutable;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using Akka.Actor;
using Akka.Cluster;

namespace ActorTracing.Actors.Cluster;

/// <summary>
/// Which node owns each TraceActor shard, and which nodes are unreachable — so ingest can refuse
/// (503, retry) a trace whose owner is on the other side of a partition instead of accepting
/// spans that would sit in a shard region buffer and die with a node the resolver downs.
/// Written by <see cref="ShardHomeTracker"/>, read lock-free by ingest on every request.
/// </summary>
public sealed class ShardHomes
{
    private readonly TraceMessageExtractor _extractor;
    private volatile Snapshot _snapshot = Snapshot.Healthy;
    private volatile Func<MemberStatus>? _selfStatus;
    private volatile bool _wasMember;
    private volatile Address? _self;
    private long _departures;

    public ShardHomes(TraceMessageExtractor extractor) => _extractor = extractor;

    public bool IsPartitioned => _snapshot.Unreachable.Count > 0;

    /// <summary>The members ingest treats as unreachable now (as published by the tracker).</summary>
    public IReadOnlyCollection<Address> Unreachable => _snapshot.Unreachable;

    /// <summary>
    /// Whether some trace may be refused now: a member is unreachable, or shards still lived on a
    /// member that has just left the cluster (see <see cref="UnreachableOwner"/>).
    /// </summary>
    public bool MayRefuse
    {
        get
        {
            var s = _snapshot;
            return s.Unreachable.Count > 0 || s.Departed.Count > 0;
        }
    }

    /// <summary>
    /// False while this node is not an Up member (joining, leaving, downed): spans accepted then
    /// would reach a shard region that is shutting down or not yet serving.
    /// </summary>
    public bool SelfUp
    {
        get
        {
            // Read live, not from the tracker's snapshot: a stale "not up" at start would refuse
            // everything until the next refresh, and leaving must be seen at once.
            if (_selfStatus is not { } status)
            {
                return true;
            }
            switch (status())
            {
                case MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up:
                    _wasMember = true;
                    return true;
                case MemberStatus.Removed:
                    // Removed before the first join is "starting" (the region buffers); after it, gone.
                    return !_wasMember;
                default:
                    return false;
            }
        }
    }

    internal void AttachSelfStatus(Func<MemberStatus> status, Address self)
    {
        _self = self;
        _selfStatus = status;
    }

    /// <summary>The node the trace's shard is known to live on, or null when not known (yet).</summary>
    public Address? HomeOf(TraceId traceId) =>
        _snapshot.Homes.TryGetValue(_extractor.ShardOf(traceId), out var home) ? home : null;

    /// <summary>How many shard owners have left the cluster since the start (see <see cref="Redelivery"/>).</summary>
    public long Departures => Interlocked.Read(ref _departures);

    internal void Departed() => Interlocked.Increment(ref _departures);

    /// <summary>This node, once the tracker has started (null before).</summary>
    public Address? Self => _self;

    /// <summary>Shards known to live on <paramref name="node"/> (for operators and tests).</summary>
    public int ShardsOn(Address node) => _snapshot.Homes.Values.Count(h => h == node);

    /// <summary>Shards whose owner is known (for operators and tests).</summary>
    public int KnownShards => _snapshot.Homes.Count;

    /// <summary>
    /// Null when the trace's owner is reachable (or nothing is unreachable — the fast path);
    /// otherwise why the trace cannot be accepted now.
    /// </summary>
    /// <remarks>
    /// A shard whose owner has just left the cluster (downed, or gone) is refused too, for about
    /// one refresh: the shard region learns that its owner is gone from a watch that can arrive
    /// after the membership change, and until then it still sends that shard's messages to the
    /// old owner, where they are lost (a partition test lost one accepted span that way). Once the
    /// tracker forgets the departed owner's shards they are unallocated, and accepted again.
    /// </remarks>
    public string? UnreachableOwner(TraceId traceId)
    {
        var s = _snapshot;
        if (s.Unreachable.Count == 0 && s.Departed.Count == 0)
        {
            return null;
        }
        var shard = _extractor.ShardOf(traceId);
        if (s.Homes.TryGetValue(shard, out var home))
        {
            if (s.Departed.Contains(home))
            {
                return $"shard {shard} of trace {traceId} lived on {home}, which left the cluster; it is being moved";
            }
            return s.Unreachable.Contains(home) ? $"shard {shard} of trace {traceId} lives on unreachable node {home}" : null;
        }
        // Not allocated yet: the coordinator (on the oldest processing node) must allocate it.
        return s.CoordinatorHome is { } c && s.Unreachable.Contains(c)
            ? $"shard {shard} of trace {traceId} is unallocated and the shard coordinator on {c} is unreachable"
            : null;
    }

    internal Snapshot Current => _snapshot;

    internal void Publish(Snapshot snapshot) => _snapshot = snapshot;

    /// <param name="Departed">Members that left the cluster while shards were known to live on them.</param>
    internal sealed record Snapshot(ImmutableDictionary<string, Address> Homes, ImmutableHashSet<Address> Unreachable, Address? CoordinatorHome, ImmutableHashSet<Address> Departed)
    {
        public static readonly Snapshot Healthy = new(ImmutableDictionary<string, Address>.Empty, [], null, []);
    }
}
