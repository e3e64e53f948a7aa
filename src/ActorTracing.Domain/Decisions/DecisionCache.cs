using System.Collections.Concurrent;
using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Decisions;

/// <summary>
/// Remembers recent decisions so spans arriving after a trace was decided follow it instead of
/// starting a new fragment with a new decision (pain point 5). Shared by every TraceActor of a
/// node, hence thread-safe. Bounded by count (oldest evicted first: decisions are written once,
/// so insertion order is age order) and by age. The durable copy is the persistence issue's job;
/// this is the fast path.
/// </summary>
public sealed class DecisionCache
{
    private readonly ConcurrentDictionary<TraceId, CachedDecision> _entries = new();
    private readonly ConcurrentQueue<TraceId> _order = new();
    private readonly int _capacity;
    private readonly TimeSpan _maxAge;

    // ConcurrentDictionary.Count takes every bucket lock, and Add ran on every decision of every
    // TraceActor, so the actors serialized on it. The count is kept here instead: incremented after
    // a successful TryAdd, decremented after a successful TryRemove. Between those two steps it may
    // lag the dictionary by the number of racing writers, so the bound holds within that many
    // entries while writers race and exactly once they are done.
    private int _count;
    private long _evicted;

    public DecisionCache(int capacity, TimeSpan maxAge)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        _capacity = capacity;
        _maxAge = maxAge;
    }

    /// <summary>Decisions held; lock-free, exact when no Add is in flight.</summary>
    public int Count => Volatile.Read(ref _count);

    public long Evicted => Interlocked.Read(ref _evicted);

    public void Add(TraceId traceId, SamplingDecision decision, DateTimeOffset decidedAt)
    {
        if (!_entries.TryAdd(traceId, new CachedDecision(decision, decidedAt)))
        {
            // The first decision for a trace wins and is already counted.
            return;
        }
        _order.Enqueue(traceId);
        if (Interlocked.Increment(ref _count) <= _capacity)
        {
            return;
        }
        while (Volatile.Read(ref _count) > _capacity && _order.TryDequeue(out var oldest))
        {
            if (_entries.TryRemove(oldest, out _))
            {
                Interlocked.Decrement(ref _count);
                Interlocked.Increment(ref _evicted);
            }
        }
    }

    public bool TryGet(TraceId traceId, DateTimeOffset now, out SamplingDecision decision)
    {
        if (_entries.TryGetValue(traceId, out var entry) && now - entry.DecidedAt <= _maxAge)
        {
            decision = entry.Decision;
            return true;
        }
        decision = null!;
        return false;
    }

    // A struct: ConcurrentDictionary already allocates a node per entry, so a class here would
    // only add a second object (and its header) to every remembered decision.
    private readonly record struct CachedDecision(SamplingDecision Decision, DateTimeOffset DecidedAt);
}
