namespace ActorTracing.Domain.Completion;

/// <summary>
/// Where a trace shard keeps the decoded fields of the spans it buffers: one struct per span in
/// pages of a few hundred, linked per trace, reused through a free list. A buffered span is thus
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

    private Slot[][] _pages = new Slot[4][];
    private int _pageCount;
    private int _highWater;
    private int _free = -1;

    // One buffer's span objects at a time (see TraceBuffer.Spans for why they are held here).
    private TraceBuffer? _materializedFor;
    private List<BufferedSpan>? _materialized;

    /// <summary>Slots in use.</summary>
    public int Count { get; private set; }

    /// <summary>Slots allocated (in use or free), for diagnostics and tests.</summary>
    public int Capacity => _pageCount * PageSize;

    internal ref Slot this[int index] => ref _pages[index >> PageBits][index & (PageSize - 1)];

    internal int Allocate()
    {
        Count++;
        if (_free >= 0)
        {
            var index = _free;
            _free = this[index].Next;
            return index;
        }
        if (_highWater == _pageCount * PageSize)
        {
            if (_pageCount == _pages.Length)
            {
                Array.Resize(ref _pages, _pages.Length * 2);
            }
            _pages[_pageCount++] = new Slot[PageSize];
        }
        return _highWater++;
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

    /// <summary>Drops the span objects held for <paramref name="buffer"/> (its spans changed, or it is reused).</summary>
    internal void Forget(TraceBuffer buffer)
    {
        if (ReferenceEquals(_materializedFor, buffer))
        {
            _materializedFor = null;
            _materialized = null;
        }
    }

    internal void Free(int index)
    {
        ref var slot = ref this[index];
        // Drop the references (name, origin, bytes, chunk) so a free slot keeps nothing alive.
        slot = default;
        slot.Next = _free;
        _free = index;
        Count--;
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
