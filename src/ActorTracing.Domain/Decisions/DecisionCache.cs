using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Decisions;

/// <summary>
/// Remembers recent decisions so spans arriving after a trace was decided follow it instead of
/// starting a new fragment with a new decision (pain point 5). Shared by every trace shard of a
/// node, hence thread-safe. Bounded by count (oldest evicted first) and by age. The durable copy
/// is the journal's job; this is the fast path.
/// <para>
/// Why not a ConcurrentDictionary: it allocates a node object per entry, and every decision of
/// every trace lands here and lives for minutes — a million long-lived objects that each survived
/// two young collections, which the benchmark showed as GC time. Here the entries are structs in
/// arrays (a ring per stripe for age order, a Dictionary of ring slots for lookup), so remembering
/// a decision allocates nothing once the arrays have grown. With one stripe per cluster shard
/// (the node passes number-of-shards), a stripe holds exactly the traces of one shard and is only
/// ever touched by that shard's actor: its lock is never contended (a profile showed threads
/// queueing on shared stripes). Eviction is oldest-first within a stripe; a cache of one stripe is
/// exactly FIFO.
/// </para>
/// </summary>
public sealed class DecisionCache
{
    private readonly Stripe[] _stripes;
    private readonly long _maxAgeTicks;
    private long _evicted;

    /// <param name="stripes">Independent parts, picked like cluster shards (stable hash modulo); at most <paramref name="capacity"/>.</param>
    public DecisionCache(int capacity, TimeSpan maxAge, int stripes = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stripes);
        _maxAgeTicks = maxAge.Ticks;
        stripes = Math.Min(stripes, capacity);
        _stripes = new Stripe[stripes];
        for (var i = 0; i < stripes; i++)
        {
            // The remainder goes to the first stripes: the total is exactly the capacity.
            _stripes[i] = new Stripe((capacity / stripes) + (i < capacity % stripes ? 1 : 0));
        }
    }

    /// <summary>Decisions held.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var stripe in _stripes)
            {
                count += Volatile.Read(ref stripe.Count);
            }
            return count;
        }
    }

    public long Evicted => Interlocked.Read(ref _evicted);

    public void Add(TraceId traceId, SamplingDecision decision, DateTimeOffset decidedAt)
    {
        var stripe = StripeOf(traceId);
        bool evicted;
        lock (stripe.Gate)
        {
            evicted = stripe.Add(traceId, decision, decidedAt.UtcTicks);
        }
        if (evicted)
        {
            Interlocked.Increment(ref _evicted);
        }
    }

    public bool TryGet(TraceId traceId, DateTimeOffset now, out SamplingDecision decision)
    {
        var stripe = StripeOf(traceId);
        lock (stripe.Gate)
        {
            if (stripe.TryGet(traceId, out var entry) && now.UtcTicks - entry.DecidedAtTicks <= _maxAgeTicks)
            {
                decision = entry.Decision;
                return true;
            }
        }
        decision = null!;
        return false;
    }

    // The same function as the cluster shard (TraceMessageExtractor): with as many stripes as
    // shards, stripe i holds exactly shard i's traces.
    private Stripe StripeOf(TraceId traceId) => _stripes[(int)(traceId.StableHash() % (ulong)_stripes.Length)];

    private sealed class Stripe(int capacity)
    {
        private readonly Dictionary<TraceId, int> _slots = [];
        private Entry[] _ring = new Entry[Math.Min(capacity, 1024)];

        public Lock Gate { get; } = new();
        private int _next;

        /// <summary>Entries held; a field so <see cref="DecisionCache.Count"/> can read it without the lock.</summary>
        public int Count;

        /// <summary>Adds unless present (the first decision wins); true when the oldest was evicted for it.</summary>
        public bool Add(TraceId traceId, SamplingDecision decision, long decidedAtTicks)
        {
            if (_slots.ContainsKey(traceId))
            {
                return false;
            }
            var evicted = false;
            if (Count < capacity)
            {
                if (Count == _ring.Length)
                {
                    // Still growing: the ring is in insertion order from slot 0, so a plain copy keeps it.
                    Array.Resize(ref _ring, (int)Math.Min((long)_ring.Length * 2, capacity));
                }
                _next = Count;
                Volatile.Write(ref Count, Count + 1);
            }
            else
            {
                // Full: the slot about to be overwritten holds the oldest decision.
                _slots.Remove(_ring[_next].TraceId);
                evicted = true;
            }
            _ring[_next] = new Entry(traceId, decision, decidedAtTicks);
            _slots[traceId] = _next;
            _next = (_next + 1) % capacity;
            return evicted;
        }

        public bool TryGet(TraceId traceId, out Entry entry)
        {
            if (_slots.TryGetValue(traceId, out var slot))
            {
                entry = _ring[slot];
                return true;
            }
            entry = default;
            return false;
        }
    }

    private readonly record struct Entry(TraceId TraceId, SamplingDecision Decision, long DecidedAtTicks);
}
