namespace ActorTracing.Domain.Delivery;

/// <summary>
/// What ingest has sent to another node and not yet heard back about: node-to-node messages are
/// at-most-once, so spans accepted for an owner that a cut has just silenced (before the failure
/// detector says so) would otherwise be lost. Each entry stays until the owner confirms it has the
/// spans; one unconfirmed for longer than the redelivery age is handed back to be sent again
/// (through the shard region, which by then routes to the owner's next home). Thread-safe: the
/// receivers add from their request threads, confirmations and redelivery come from one actor.
/// </summary>
/// <remarks>
/// The bound is on bytes held. It is checked before a request sends anything and is soft by at
/// most the requests that checked at the same moment — a request is accepted or refused whole.
/// </remarks>
/// <typeparam name="T">What is kept to send again.</typeparam>
public sealed class UnconfirmedDeliveries<T>
{
    private readonly Dictionary<long, Entry> _entries = [];
    private readonly Lock _gate = new();
    private readonly long _maxBytes;
    private long _nextId;
    private long _bytes;
    private long _redelivered;
    private long _expired;

    public UnconfirmedDeliveries(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        _maxBytes = maxBytes;
    }

    /// <summary>Entries sent and not yet confirmed.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Bytes the unconfirmed entries hold (as given to <see cref="Add"/>).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Entries handed out again by <see cref="TakeDue"/> since the start (each time counts).</summary>
    public long Redelivered => Interlocked.Read(ref _redelivered);

    /// <summary>Entries forgotten unconfirmed by <see cref="TakeExpired"/> since the start.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>Whether the entries hold more bytes than the bound (ingest refuses then).</summary>
    public bool OverBound => Interlocked.Read(ref _bytes) > _maxBytes;

    /// <summary>Records <paramref name="item"/> as sent at <paramref name="nowTicks"/>; returns the id its confirmation will carry.</summary>
    public long Add(T item, long bytes, long nowTicks)
    {
        lock (_gate)
        {
            var id = ++_nextId;
            _entries.Add(id, new Entry(item, bytes, nowTicks));
            _bytes += bytes;
            return id;
        }
    }

    /// <summary>
    /// Forgets a confirmed entry and returns it (to release what it holds); default when it is not
    /// held — already confirmed, as a redelivered entry is confirmed by each copy that arrives.
    /// </summary>
    public bool TryConfirm(long id, out T item)
    {
        lock (_gate)
        {
            if (_entries.Remove(id, out var entry))
            {
                _bytes -= entry.Bytes;
                item = entry.Item;
                return true;
            }
        }
        item = default!;
        return false;
    }

    /// <summary>
    /// The entries sent at least <paramref name="ageTicks"/> before <paramref name="nowTicks"/>
    /// without a confirmation and that <paramref name="sendable"/> says may go now (an owner still
    /// unreachable would swallow them again), marked as sent now: they keep their ids, so a
    /// confirmation of any copy forgets them.
    /// </summary>
    public List<(long Id, T Item)> TakeDue(long nowTicks, long ageTicks, Func<T, bool> sendable)
    {
        ArgumentNullException.ThrowIfNull(sendable);
        var due = new List<(long, T)>();
        lock (_gate)
        {
            foreach (var (id, entry) in _entries)
            {
                if (nowTicks - entry.SentTicks >= ageTicks && sendable(entry.Item))
                {
                    entry.SentTicks = nowTicks;
                    due.Add((id, entry.Item));
                }
            }
            _redelivered += due.Count;
        }
        return due;
    }

    /// <summary>
    /// Forgets the entries last sent at least <paramref name="maxAgeTicks"/> before
    /// <paramref name="nowTicks"/> and still unconfirmed, and returns them (to release what they
    /// hold): a safety valve, so entries no redelivery can help do not hold the bound forever.
    /// From the last send, not the first: a copy sent again after its owner left needs the next
    /// owner's whole hold time (an owner confirms once the trace is decided), and sends again
    /// only follow owners leaving, so they cannot keep an entry alive on their own.
    /// </summary>
    public List<T> TakeExpired(long nowTicks, long maxAgeTicks)
    {
        var expired = new List<T>();
        lock (_gate)
        {
            foreach (var (id, entry) in _entries)
            {
                if (nowTicks - entry.SentTicks >= maxAgeTicks)
                {
                    expired.Add(entry.Item);
                    _bytes -= entry.Bytes;
                    _entries.Remove(id);
                }
            }
            _expired += expired.Count;
        }
        return expired;
    }

    /// <summary>Forgets every entry (the node is stopping) and returns them, to release what they hold.</summary>
    public List<T> Clear()
    {
        lock (_gate)
        {
            var all = _entries.Values.Select(e => e.Item).ToList();
            _entries.Clear();
            _bytes = 0;
            return all;
        }
    }

    private sealed class Entry(T item, long bytes, long sentTicks)
    {
        public T Item { get; } = item;

        public long Bytes { get; } = bytes;

        public long SentTicks { get; set; } = sentTicks;
    }
}
