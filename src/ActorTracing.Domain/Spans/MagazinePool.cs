namespace ActorTracing.Domain;

/// <summary>
/// Spare objects handed out on some threads and given back on others, hundreds of thousands of
/// times a second (<see cref="SpanRecycler"/>: the ingest decoder takes span objects on request
/// threads, the trace shards give them back on theirs). Each thread takes from and gives back to
/// a magazine of its own — a small array used as a stack, so the object taken next is the one
/// given back last, still in the CPU's caches — and trades a whole magazine with a shared depot
/// only when its own runs empty or full. One lock per span was the busiest lock of a node at 320k
/// spans/s (a sampled thread-time profile: ~20 % of the time threads spent in managed code was
/// waiting for it, on two cores where the thread holding it is often preempted); a magazine
/// trade takes that lock once per <c>magazine-size</c> objects. The write-ahead log pools its
/// waits the same way (made per request on request threads, confirmed on the shards').
/// </summary>
/// <remarks>
/// Bounded: the depot keeps at most <c>capacity / magazine-size - 1</c> full magazines and each
/// live thread one, so a node holds at most its capacity plus a magazine per live thread that
/// used the pool (an ended thread's magazine goes with it); what is given back beyond that is
/// left to the GC. Not a guard against misuse: whoever gives an object back must be done with it
/// (the owner's flags, e.g.
/// <see cref="BufferedSpan.IsRecyclable"/>, stop a second give-back).
/// </remarks>
public sealed class MagazinePool<T>
    where T : class
{
    /// <summary>Objects per magazine (fewer when the whole capacity is smaller).</summary>
    public const int DefaultMagazineSize = 64;

    private readonly int _size;
    private readonly int _maxFull;
    private readonly Lock _gate = new();
    private readonly Stack<T?[]> _full = new();
    private readonly Stack<T?[]> _empty = new();
    private readonly ThreadLocal<Magazine> _local;

    // Every thread's magazine, for Count only, held weakly: a thread that ends (pool threads
    // retire when idle) drops its magazine with it. Tracked by the ThreadLocal instead
    // (trackAllValues), an ended thread's magazine — and up to a magazine of objects — stayed
    // for the life of the pool, one per thread that ever used it. Under _gate.
    private readonly List<WeakReference<Magazine>> _magazines = [];

    /// <param name="capacity">Objects held at most, over the depot and one magazine.</param>
    public MagazinePool(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _size = Math.Min(DefaultMagazineSize, capacity);
        _maxFull = (capacity / _size) - 1;
        _local = new ThreadLocal<Magazine>(NewMagazine);
    }

    private Magazine NewMagazine()
    {
        var magazine = new Magazine(new T?[_size]);
        lock (_gate)
        {
            // Once per thread that uses the pool: the ended threads' entries go here too.
            _magazines.RemoveAll(static m => !m.TryGetTarget(out _));
            _magazines.Add(new WeakReference<Magazine>(magazine));
        }
        return magazine;
    }

    /// <summary>Objects held now, over every thread's magazine and the depot (for diagnostics and tests; a moment's reading).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                var count = _full.Count * _size;
                foreach (var reference in _magazines)
                {
                    if (reference.TryGetTarget(out var magazine))
                    {
                        count += Volatile.Read(ref magazine.Count);
                    }
                }
                return count;
            }
        }
    }

    /// <summary>The object given back last on this thread, or one from the depot; false when there is none.</summary>
    public bool TryTake(out T? item)
    {
        var magazine = _local.Value!;
        if (magazine.Count == 0 && !Refill(magazine))
        {
            item = null;
            return false;
        }
        var at = magazine.Count - 1;
        item = magazine.Items[at];
        magazine.Items[at] = null;
        Volatile.Write(ref magazine.Count, at);
        return true;
    }

    /// <summary>Keeps <paramref name="item"/> for a later take; false when the pool is full (the item is left to the GC).</summary>
    public bool Give(T item)
    {
        var magazine = _local.Value!;
        if (magazine.Count == _size && !Spill(magazine))
        {
            return false;
        }
        magazine.Items[magazine.Count] = item;
        Volatile.Write(ref magazine.Count, magazine.Count + 1);
        return true;
    }

    // This thread's magazine is empty: trade it for a full one from the depot.
    private bool Refill(Magazine magazine)
    {
        lock (_gate)
        {
            if (!_full.TryPop(out var full))
            {
                return false;
            }
            _empty.Push(magazine.Items);
            magazine.Items = full;
        }
        Volatile.Write(ref magazine.Count, _size);
        return true;
    }

    // This thread's magazine is full: trade it for an empty one, if the depot has room for it.
    private bool Spill(Magazine magazine)
    {
        lock (_gate)
        {
            if (_full.Count >= _maxFull)
            {
                return false;
            }
            _full.Push(magazine.Items);
            magazine.Items = _empty.TryPop(out var empty) ? empty : new T?[_size];
        }
        Volatile.Write(ref magazine.Count, 0);
        return true;
    }

    private sealed class Magazine(T?[] items)
    {
        public T?[] Items = items;
        public int Count;
    }
}
