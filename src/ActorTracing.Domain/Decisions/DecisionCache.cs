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
/// <para>
/// The entries hold no references: a decision is stored as its number in a table of the distinct
/// decisions seen (a handful: keep/drop × rule × rate). An entry holding the decision object made
/// the rings (tens of MB, old generation) a place the GC had to scan on every young collection —
/// each new decision dirtied a card — and kept every decision object alive into gen2. A profile
/// of young-GC pauses showed marking through old-generation cards as half of each pause.
/// </para>
/// </summary>
public sealed class DecisionCache
{
    // Past this many distinct decisions (never seen: reasons come from the rules) a decision is
    // kept by reference in its stripe's overflow map instead, so the table cannot grow without end.
    private const int MaxDistinctDecisions = 1 << 16;

    private readonly Stripe[] _stripes;
    private readonly long _maxAgeTicks;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<SamplingDecision, int> _ids = new();
    private readonly Lock _tableGate = new();
    private SamplingDecision[] _table = new SamplingDecision[16];
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
        ArgumentNullException.ThrowIfNull(decision);
        var id = IdOf(decision);
        var stripe = StripeOf(traceId);
        bool evicted;
        lock (stripe.Gate)
        {
            evicted = stripe.Add(traceId, id, id < 0 ? decision : null, decidedAt.UtcTicks);
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
            if (stripe.TryGet(traceId, out var entry, out var overflow) && now.UtcTicks - entry.DecidedAtTicks <= _maxAgeTicks)
            {
                decision = overflow ?? Volatile.Read(ref _table)[entry.DecisionId];
                return true;
            }
        }
        decision = null!;
        return false;
    }

    /// <summary>The decision's number in the table (equal decisions share one), or -1 once the table is full.</summary>
    private int IdOf(SamplingDecision decision)
    {
        if (_ids.TryGetValue(decision, out var id))
        {
            return id;
        }
        lock (_tableGate)
        {
            if (_ids.TryGetValue(decision, out id))
            {
                return id;
            }
            // _ids is only added to under this lock: its count is the next free id.
            id = _ids.Count;
            if (id == MaxDistinctDecisions)
            {
                return -1;
            }
            var table = _table;
            if (id == table.Length)
            {
                // Readers index the array they read; a grown copy holds every id they can have.
                Array.Resize(ref table, table.Length * 2);
            }
            table[id] = decision;
            Volatile.Write(ref _table, table);
            // Published after the table: whoever finds the id finds its decision.
            _ids[decision] = id;
            return id;
        }
    }

    // The same function as the cluster shard (TraceMessageExtractor): with as many stripes as
    // shards, stripe i holds exactly shard i's traces.
    private Stripe StripeOf(TraceId traceId) => _stripes[(int)(traceId.StableHash() % (ulong)_stripes.Length)];

    private sealed class Stripe(int capacity)
    {
        private readonly Dictionary<TraceId, int> _slots = [];
        private Entry[] _ring = new Entry[Math.Min(capacity, 1024)];

        // Decisions past the table's bound, by trace (empty in practice).
        private Dictionary<TraceId, SamplingDecision>? _overflow;

        public Lock Gate { get; } = new();
        private int _next;

        /// <summary>Entries held; a field so <see cref="DecisionCache.Count"/> can read it without the lock.</summary>
        public int Count;

        /// <summary>Adds unless present (the first decision wins); true when the oldest was evicted for it.</summary>
        public bool Add(TraceId traceId, int decisionId, SamplingDecision? overflow, long decidedAtTicks)
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
                _overflow?.Remove(_ring[_next].TraceId);
                evicted = true;
            }
            if (overflow is not null)
            {
                (_overflow ??= [])[traceId] = overflow;
            }
            _ring[_next] = new Entry(traceId, decisionId, decidedAtTicks);
            _slots[traceId] = _next;
            _next = (_next + 1) % capacity;
            return evicted;
        }

        public bool TryGet(TraceId traceId, out Entry entry, out SamplingDecision? overflow)
        {
            if (_slots.TryGetValue(traceId, out var slot))
            {
                entry = _ring[slot];
                overflow = entry.DecisionId < 0 ? _overflow?.GetValueOrDefault(traceId) : null;
                return true;
            }
            entry = default;
            overflow = null;
            return false;
        }
    }

    // No reference fields: the GC never scans the rings (see the class remarks).
    private readonly record struct Entry(TraceId TraceId, int DecisionId, long DecidedAtTicks);
}
