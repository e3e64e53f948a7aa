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
    private long _evicted;

    public DecisionCache(int capacity, TimeSpan maxAge)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        _capacity = capacity;
        _maxAge = maxAge;
    }

    public int Count => _entries.Count;

    public long Evicted => Interlocked.Read(ref _evicted);

    public void Add(TraceId traceId, SamplingDecision decision, DateTimeOffset decidedAt)
    {
        if (_entries.TryAdd(traceId, new CachedDecision(decision, decidedAt)))
        {
            _order.Enqueue(traceId);
        }
        while (_entries.Count > _capacity && _order.TryDequeue(out var oldest))
        {
            if (_entries.TryRemove(oldest, out _))
            {
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

    private sealed record CachedDecision(SamplingDecision Decision, DateTimeOffset DecidedAt);
}
