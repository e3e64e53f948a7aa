namespace ActorTracing.Domain.Completion;

/// <summary>
/// Where a trace shard keeps the decoded fields of the spans it buffers: one struct per span in
/// pages of a few hundred, linked per trace, reused through free lists. A buffered span is thus
/// not an object: a node holding a million spans open gives the GC a few thousand arrays to look
/// at instead of a million objects, and spans no longer survive young collections one by one
/// (each survivor was marked and copied, the pause that showed up as ack latency). Span objects
/// (<see cref="BufferedSpan"/>) exist only briefly: from the decoder to the shard, and again for
/// the decision (<see cref="TraceBuffer.Spans"/>).
/// Not thread-safe: owned by one shard actor (or one standalone buffer).
/// </summary>
public sealed class SpanSlots
{
    // 256 slots of 80 bytes: a 20 KiB page, below the large object heap, small enough that a
    // shard's partly used last page wastes little.
    private const int PageBits = 8;
    private const int PageSize = 1 << PageBits;

    // Pages and, per page, the head of its free list and how many of its slots are in use. A page
    // given back by Trim is null until a span needs it again.
    private Slot[]?[] _pages = new Slot[4][];
    private int[] _pageFree = new int[4];
    private int[] _pageUsed = new int[4];

    // One bit per page index below _pageCount: the page has a free slot, or was given back (and
    // is made again on demand). Allocation takes the lowest such page, so after a burst the spans
    // still buffered settle into the low pages as the burst's traces are decided, and the high
    // pages empty out for Trim to give back — a single free list would have kept spans scattered
    // over every page the burst ever needed.
    private ulong[] _allocatable = new ulong[1];
    private int _pageCount;
    private int _pagesHeld;
    private int _peak;

    // One buffer's span objects at a time (see TraceBuffer.Spans for why they are held here).
    private TraceBuffer? _materializedFor;
    private List<BufferedSpan>? _materialized;

    // The span objects (and the list) of the last dropped traces, for the next decision's
    // TraceBuffer.Spans. ~90 % of traces are dropped, and their span objects were the largest
    // item of the node's allocation (~28 MB/s at 250k spans/s, one object per span per
    // decision). Reused, they stay the same few thousand old objects instead of young garbage
    // for every GC to walk. At most MaxSpare, so a burst of large dropped traces does not keep
    // objects for good; a kept trace's objects go on to storage and are not reused.
    private const int MaxSpare = 512;
    private readonly BufferedSpan?[] _spare = new BufferedSpan?[MaxSpare];
    private int _spareCount;
    private List<BufferedSpan>? _spareList;

    /// <summary>Bytes one slot takes in its page.</summary>
    public static int SlotBytes { get; } = System.Runtime.CompilerServices.Unsafe.SizeOf<Slot>();

    /// <summary>Slots in use.</summary>
    public int Count { get; private set; }

    /// <summary>Slots allocated (in use or free), for diagnostics and tests.</summary>
    public int Capacity => _pagesHeld * PageSize;

    internal ref Slot this[int index] => ref _pages[index >> PageBits]![index & (PageSize - 1)];

    internal int Allocate()
    {
        if (++Count > _peak)
        {
            _peak = Count;
        }
        var page = LowestAllocatablePage();
        if (page < 0)
        {
            page = AddPage();
        }
        var slots = _pages[page] ?? MakePage(page);
        var index = _pageFree[page];
        _pageFree[page] = slots[index].Next;
        if (++_pageUsed[page] == PageSize)
        {
            _allocatable[page >> 6] &= ~(1UL << page);
        }
        return (page << PageBits) | index;
    }

    internal void Free(int index)
    {
        var page = index >> PageBits;
        ref var slot = ref this[index];
        // Drop the references (name, origin, bytes, chunk) so a free slot keeps nothing alive.
        slot = default;
        slot.Next = _pageFree[page];
        _pageFree[page] = index & (PageSize - 1);
        if (_pageUsed[page]-- == PageSize)
        {
            _allocatable[page >> 6] |= 1UL << page;
        }
        Count--;
    }

    /// <summary>
    /// Gives back pages no span uses, keeping enough for the most spans held at once since the
    /// last trim (so a load that comes and goes within the interval does not make pages again
    /// and again). Returns the pages given back. Called by the owner now and then, not per span.
    /// </summary>
    public int Trim()
    {
        var keep = (_peak + PageSize - 1) >> PageBits;
        var released = 0;
        for (var page = _pageCount - 1; page >= 0 && _pagesHeld > keep; page--)
        {
            if (_pages[page] is not null && _pageUsed[page] == 0)
            {
                _pages[page] = null;
                _pagesHeld--;
                released++;
            }
        }
        // Given-back pages at the end are forgotten altogether, so allocation scans only the
        // pages the shard still needs.
        while (_pageCount > 0 && _pages[_pageCount - 1] is null)
        {
            _pageCount--;
            _allocatable[_pageCount >> 6] &= ~(1UL << _pageCount);
        }
        _peak = Count;
        return released;
    }

    /// <summary>The span objects last built for <paramref name="buffer"/>, if still held.</summary>
    internal List<BufferedSpan>? MaterializedFor(TraceBuffer buffer) =>
        ReferenceEquals(_materializedFor, buffer) ? _materialized : null;

    internal List<BufferedSpan> Hold(TraceBuffer buffer, List<BufferedSpan> spans)
    {
        _materializedFor = buffer;
        _materialized = spans;
        return spans;
    }

    /// <summary>An empty list for a buffer's span objects: the last dropped trace's, or a new one.</summary>
    internal List<BufferedSpan> NewList(int capacity)
    {
        var list = _spareList ?? new List<BufferedSpan>(capacity);
        _spareList = null;
        list.EnsureCapacity(capacity);
        return list;
    }

    /// <summary>
    /// A span object for a buffer's <see cref="TraceBuffer.Spans"/>: a dropped trace's, or one lent
    /// by <see cref="SpanRecycler.Shared"/>. A kept trace's objects go on to storage, which gives
    /// them back to the recycler once their rows are encoded (a new object per kept span was
    /// ~2 MB/s of a node's allocation at 200k spans/s).
    /// </summary>
    internal BufferedSpan SpanObject(TraceId traceId, in Slot slot, SpanKeyTable? keys)
    {
        BufferedSpan span;
        if (_spareCount == 0)
        {
            span = SpanRecycler.Shared.Take();
        }
        else
        {
            span = _spare[--_spareCount]!;
            _spare[_spareCount] = null;
        }
        span.Reuse(traceId, slot.SpanId, slot.ParentSpanId, slot.StartUnixNano, slot.EndUnixNano, slot.Name, slot.Kind, slot.Status, slot.Origin, slot.Raw, keys);
        return span;
    }

    /// <summary>
    /// Takes back the span objects last built for <paramref name="buffer"/> (and their list), for
    /// the next decision. Only for a dropped trace whose outcome was published: whoever read its
    /// spans (sampler, outcome sinks) must not hold them past that.
    /// </summary>
    internal void Recycle(TraceBuffer buffer)
    {
        if (MaterializedFor(buffer) is not { } spans)
        {
            return;
        }
        Forget(buffer);
        for (var i = 0; i < spans.Count && _spareCount < MaxSpare; i++)
        {
            _spare[_spareCount++] = spans[i];
        }
        spans.Clear();
        // A list grown for a huge trace is not kept.
        if (spans.Capacity <= MaxSpare)
        {
            _spareList = spans;
        }
    }

    /// <summary>Drops the span objects held for <paramref name="buffer"/> (its spans changed, or it is reused).</summary>
    internal void Forget(TraceBuffer buffer)
    {
        if (ReferenceEquals(_materializedFor, buffer))
        {
            _materializedFor = null;
            _materialized = null;
        }
    }

    private int LowestAllocatablePage()
    {
        var words = (_pageCount + 63) >> 6;
        for (var w = 0; w < words; w++)
        {
            if (_allocatable[w] != 0)
            {
                return (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(_allocatable[w]);
            }
        }
        return -1;
    }

    private int AddPage()
    {
        if (_pageCount == _pages.Length)
        {
            var length = _pages.Length * 2;
            Array.Resize(ref _pages, length);
            Array.Resize(ref _pageFree, length);
            Array.Resize(ref _pageUsed, length);
            Array.Resize(ref _allocatable, (length + 63) >> 6);
        }
        var page = _pageCount++;
        _allocatable[page >> 6] |= 1UL << page;
        return page;
    }

    private Slot[] MakePage(int page)
    {
        var slots = new Slot[PageSize];
        for (var i = 0; i < PageSize - 1; i++)
        {
            slots[i].Next = i + 1;
        }
        slots[PageSize - 1].Next = -1;
        _pages[page] = slots;
        _pageFree[page] = 0;
        _pagesHeld++;
        return slots;
    }

    internal struct Slot
    {
        public SpanId SpanId;
        public SpanId ParentSpanId;
        public ulong StartUnixNano;
        public ulong EndUnixNano;
        public string Name;
        public SpanOrigin Origin;
        public ReadOnlyMemory<byte> Raw;

        /// <summary>
        /// The arena chunk Raw was copied into (released with the span), or null. Kept per span
        /// rather than as a per-trace list: the chunks are pooled and old, so this reference
        /// never points from an old page to a young object.
        /// </summary>
        public SpanArena.Chunk? Chunk;
        public SpanKind Kind;
        public SpanStatusCode Status;

        /// <summary>Raw is the compact form (<see cref="CompactSpan"/>), keys in the arena's table.</summary>
        public bool Compact;

        /// <summary>Next span of the same trace, or of the free list; -1 at the end.</summary>
        public int Next;
    }
}
