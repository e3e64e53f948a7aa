namespace ActorTracing.Domain;

/// <summary>
/// Span objects (and the per-trace lists holding them) the ingest decoder fills again once
/// whoever received them has copied what it needs. A trace shard copies a span's fields and
/// bytes into its own storage the moment the span arrives
/// (<see cref="Completion.TraceBuffer.Add"/>), so the object the decoder made for it
/// is garbage a few milliseconds after it was made: at 200k spans/s that was 23 of the node's
/// ~95 MB/s of allocation, the largest single item, and young-GC time on this node grows with
/// what is allocated, not with what survives (a pause per gen0 budget of ~0.25 ms per MB, so
/// the share of time in GC follows the allocation rate whatever budget the GC picks).
/// </summary>
/// <remarks>
/// Only spans this recycler handed out are taken back (<see cref="BufferedSpan.IsRecyclable"/>);
/// a span built with its public constructor (tests, JSON, Kafka replays) is never reused. A span
/// is taken back at most once: the flag is cleared on return, so a second return of the same
/// object does nothing (the flag is cleared atomically, so two threads returning one object keep
/// it once). Spares are kept per thread and traded in magazines (<see cref="MagazinePool{T}"/>):
/// one lock per span, as this had, was the node's most contended lock at 320k spans/s. Whoever
/// returns spans must not read them afterwards, and must be the last holder: the decoder will
/// overwrite them.
/// </remarks>
public sealed class SpanRecycler
{
    /// <summary>
    /// The node's recycler. 16,384 spare spans (~1.8 MB, and a magazine of 64 per thread) cover
    /// the spans in flight between the receivers and the shards many times over (at 250k spans/s
    /// about 1,000-2,000 are).
    /// </summary>
    public static SpanRecycler Shared { get; } = new(16_384);

    // A list is kept for reuse only up to this capacity: one trace's spans of one request are a
    // handful; a list grown for a huge batch is left to the GC rather than held.
    private const int MaxListCapacity = 64;

    private readonly MagazinePool<BufferedSpan> _spare;
    private readonly MagazinePool<SpanList> _spareLists;

    public SpanRecycler(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _spare = new MagazinePool<BufferedSpan>(capacity);
        _spareLists = new MagazinePool<SpanList>(Math.Max(1, capacity / 4));
    }

    /// <summary>Spare span lists held now (a moment's reading over every thread).</summary>
    public int ListCount => _spareLists.Count;

    /// <summary>Spare spans held now (a moment's reading over every thread).</summary>
    public int Count => _spare.Count;

    /// <summary>
    /// Takes back the spans of <paramref name="spans"/> that this recycler (or another) handed
    /// out and that were not taken back yet, and the list itself when it is one the decoder
    /// gathered them in (<see cref="TakeList"/>); the others are left alone. Beyond the capacity
    /// the spans are left to the GC.
    /// </summary>
    public void Return(IReadOnlyList<BufferedSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        for (var i = 0; i < spans.Count; i++)
        {
            TakeBack(spans[i]);
        }
        ReturnList(spans);
    }

    /// <summary>
    /// Takes back the spans of <paramref name="items"/> (each read through <paramref name="span"/>)
    /// that this recycler handed out and that were not taken back yet — storage's kept spans,
    /// which travel wrapped. The list itself is not taken.
    /// </summary>
    public void Return<T>(IReadOnlyList<T> items, Func<T, BufferedSpan> span)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(span);
        for (var i = 0; i < items.Count; i++)
        {
            TakeBack(span(items[i]));
        }
    }

    private void TakeBack(BufferedSpan span)
    {
        // Cleared even when the pool is full, and only by one caller: a span returned twice must
        // never be handed out twice.
        if (span.TryRecycle())
        {
            _spare.Give(span);
        }
    }

    /// <summary>
    /// The list the decoder gathers one trace's spans in: a spare one, emptied, or a new one;
    /// either way taken back with the spans when whoever received them returns them.
    /// </summary>
    internal List<BufferedSpan> TakeList()
    {
        if (!_spareLists.TryTake(out var list))
        {
            list = new SpanList();
        }
        list!.Lend();
        return list;
    }

    // After its spans were taken back. The flag is cleared first, and by one caller only, so a
    // list given back twice is held once and cannot be lent twice.
    private void ReturnList(IReadOnlyList<BufferedSpan> spans)
    {
        if (spans is not SpanList list || !list.TryGiveBack())
        {
            return;
        }
        list.Clear();
        if (list.Capacity <= MaxListCapacity)
        {
            _spareLists.Give(list);
        }
    }

    /// <summary>
    /// A spare span, or a new empty one, flagged as this recycler's to take back. The decoder
    /// fills it (<see cref="BufferedSpan.Reuse"/>) before anyone else sees it.
    /// </summary>
    internal BufferedSpan Take()
    {
        if (!_spare.TryTake(out var span))
        {
            span = new BufferedSpan();
        }
        span!.Lent();
        return span;
    }

    /// <summary>A span list the recycler lent out; plain lists (tests, other callers) are never taken.</summary>
    private sealed class SpanList : List<BufferedSpan>
    {
        // Room for one request's spans of a trace without growing: a list grown after it got old
        // points at a young array, one more card for the next young GC to scan (a heap walk at
        // 260k spans/s found ~800 such lists when they started at 4).
        public SpanList()
            : base(16)
        {
        }

        private int _lent;

        public bool Lent => Volatile.Read(ref _lent) == 1;

        public void Lend() => Volatile.Write(ref _lent, 1);

        /// <summary>Clears the flag; true for the one caller that found it set.</summary>
        public bool TryGiveBack() => Interlocked.Exchange(ref _lent, 0) == 1;
    }
}
