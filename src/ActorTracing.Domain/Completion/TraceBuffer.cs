using System.Buffers;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Completion;

/// <summary>
/// The spans of one undecided trace. Owned by exactly one trace shard, so it is not thread-safe.
/// It records only what completion needs cheaply (counts, root seen, arrival times); the
/// missing-parent check is computed on demand because it is needed once per quiet period, not
/// once per span. The spans themselves live in the shard's <see cref="SpanSlots"/> (fields) and
/// <see cref="SpanArena"/> (bytes); <see cref="Spans"/> turns them back into objects for the decision.
/// A buffer must be <see cref="Release"/>d once decided.
/// </summary>
public sealed class TraceBuffer
{
    // Small traces are checked without a set: a nested scan of up to this many spans is cheaper
    // than building a HashSet, and allocates nothing (the check runs once per quiet period).
    private const int ScanMissingParentsUpTo = 32;

    // Spans up to this size are compacted on the stack; bigger ones in a pooled array.
    private const int ScratchBytes = 1024;

    // What expanding a compact span adds back, about: ids, name, kind, times and attribute keys.
    // The per-thread scratch DetachBytes expands kept spans into is dropped past this size.
    private const int MaxScratchBytes = 1024 * 1024;

    [ThreadStatic]
    private static ProtoWriter? t_detachScratch;

    private readonly SpanSlots _slots;
    private int _head = -1;
    private int _tail = -1;

    // Almost every trace comes from one region: that one is held in fields, the others in a list
    // the buffer keeps across reuse. Nothing outside sees the list (RegionArrivals copies), and
    // a pooled buffer is old: a list made afresh per trace was a young object hanging off an old
    // one, which every young GC must find through the card table (the heap walk at 240k spans/s
    // found pooled buffers behind ~97 % of all old-to-young references, with the chunk lists
    // below). Where each span's bytes went is kept in its slot (SpanSlots.Slot.Chunk) for the
    // same reason.
    //
    // The second region is held in fields too. A cross-region trace (a tenth of the bench's) made
    // the list on the buffer's first such trace, often when the buffer was already old; until the
    // next gen1 collection each of those lists was a young object behind an old buffer, one more
    // card for every young GC to scan (a heap walk at 260k spans/s: 9,350 such buffers, the most
    // common old-to-young reference). The list is left for traces of three regions or more.
    private string? _firstRegion;
    private long _firstRegionAtTicks;
    private string? _secondRegion;
    private long _secondRegionAtTicks;
    private List<(string Region, long AtTicks)>? _moreRegions;

    private readonly SpanArena? _arena;

    // Span ids of a trace grown past LinearScanSpans, for the duplicate check in Add (below that
    // the slots are walked). Cleared, not dropped, on reuse (see _moreRegions); it holds no
    // references, so an old buffer's set costs young GCs nothing.
    private const int LinearScanSpans = 32;
    private HashSet<SpanId>? _spanIds;
    private bool _spanIdsInUse;

    /// <param name="arena">When given, span bytes are copied into it (see <see cref="SpanArena"/>) instead of pinning their request body.</param>
    /// <param name="slots">The shard's span slots; a standalone buffer gets its own.</param>
    public TraceBuffer(TraceId traceId, SpanArena? arena = null, SpanSlots? slots = null)
    {
        TraceId = traceId;
        _arena = arena;
        _slots = slots ?? new SpanSlots();
    }

    public TraceId TraceId { get; private set; }

    /// <summary>
    /// Starts a released buffer over for another trace. Trace shards reuse buffers: a buffer lives
    /// as long as its trace's send-delay, long enough to survive young collections and be copied
    /// into the old generation, and at 60,000 new traces a second those copies were a large part
    /// of every GC pause. A reused one is already old and is not copied again.
    /// </summary>
    public void Reuse(TraceId traceId)
    {
        if (_head >= 0)
        {
            throw new InvalidOperationException($"trace buffer of {TraceId} still holds spans; Release it before reuse");
        }
        TraceId = traceId;
        // Forgotten, not cleared: the old trace's decision may still hold its span list.
        _slots.Forget(this);
        _firstRegion = null;
        _firstRegionAtTicks = 0;
        _secondRegion = null;
        _secondRegionAtTicks = 0;
        // Cleared, not dropped (see the field).
        _moreRegions?.Clear();
        _spanIds?.Clear();
        _spanIdsInUse = false;
        SpanCount = 0;
        Bytes = 0;
        RootSeen = false;
        _firstArrivalTicks = 0;
        _lastArrivalTicks = 0;
    }

    /// <summary>
    /// The buffered spans as objects, built on first use after the last <see cref="Add"/> (the
    /// decision reads them; completion does not) and the same list until the next Add, unless
    /// another buffer of the shard asked for its spans meanwhile (then built again). Their bytes
    /// are in the arena until <see cref="DetachBytes"/>, and must not be read after
    /// <see cref="Release"/> unless detached.
    /// </summary>
    /// <remarks>
    /// The list is held by the shard's <see cref="SpanSlots"/> for one buffer at a time, not by
    /// the buffer: a pooled buffer is old, and a young list stored in it marked a card of the
    /// card table for every decided trace (one buffer, one card: ~5,000 cards between two young
    /// GCs at 220k spans/s), each of which the next young GC had to scan. That was most of the
    /// card marking that made young GCs slow under sustained load. In the slots object the same
    /// few cards are marked over and over.
    /// </remarks>
    public IReadOnlyList<BufferedSpan> Spans => _slots.MaterializedFor(this) ?? _slots.Hold(this, Materialize());

    public int SpanCount { get; private set; }

    public long Bytes { get; private set; }

    public bool RootSeen { get; private set; }

    // Arrival times as UTC ticks: a DateTimeOffset field is 16 bytes, and there is one buffer per open trace.
    private long _firstArrivalTicks;
    private long _lastArrivalTicks;

    public DateTimeOffset FirstArrival => new(_firstArrivalTicks, TimeSpan.Zero);

    public DateTimeOffset LastArrival => new(_lastArrivalTicks, TimeSpan.Zero);

    /// <summary>When the first span of each region reached the trace, in order of arrival (a copy).</summary>
    public IReadOnlyList<KeyValuePair<string, DateTimeOffset>> RegionArrivals
    {
        get
        {
            if (_firstRegion is null)
            {
                return [];
            }
            if (_secondRegion is null)
            {
                return [new(_firstRegion, new DateTimeOffset(_firstRegionAtTicks, TimeSpan.Zero))];
            }
            var more = _moreRegions?.Count ?? 0;
            var arrivals = new KeyValuePair<string, DateTimeOffset>[2 + more];
            arrivals[0] = new(_firstRegion, new DateTimeOffset(_firstRegionAtTicks, TimeSpan.Zero));
            arrivals[1] = new(_secondRegion, new DateTimeOffset(_secondRegionAtTicks, TimeSpan.Zero));
            for (var i = 0; i < more; i++)
            {
                var (region, atTicks) = _moreRegions![i];
                arrivals[2 + i] = new(region, new DateTimeOffset(atTicks, TimeSpan.Zero));
            }
            return arrivals;
        }
    }

    /// <summary>
    /// Buffers <paramref name="spans"/>, except a span whose id the trace already holds: OTLP
    /// clients retry a request whose answer they did not get (a timeout, a cut connection) though
    /// it may have arrived, and Kafka ingest reads again what it had not committed when a node
    /// crashed. The first copy is kept; a span without an id (all zeros) is never taken for a copy.
    /// </summary>
    /// <returns>The spans not buffered because their trace already held them.</returns>
    public int Add(IReadOnlyList<BufferedSpan> spans, DateTimeOffset now)
    {
        var duplicates = 0;
        if (SpanCount == 0)
        {
            _firstArrivalTicks = now.UtcTicks;
        }
        _lastArrivalTicks = now.UtcTicks;
        _slots.Forget(this);
        // Where a span is compacted before its copy into the arena; the compact form is never longer.
        Span<byte> scratch = stackalloc byte[ScratchBytes];
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            if (SpanCount > 0 && span.SpanId != default && Holds(span.SpanId))
            {
                duplicates++;
                continue;
            }
            var raw = span.Raw;
            var compact = false;
            SpanArena.Chunk? chunk = null;
            if (_arena is not null)
            {
                raw = Hold(span, raw.Span, scratch, out compact, out chunk);
            }
            var index = _slots.Allocate();
            ref var slot = ref _slots[index];
            slot.SpanId = span.SpanId;
            slot.ParentSpanId = span.ParentSpanId;
            slot.StartUnixNano = span.StartUnixNano;
            slot.EndUnixNano = span.EndUnixNano;
            slot.Name = span.Name;
            slot.Origin = span.Origin;
            slot.Raw = raw;
            slot.Chunk = chunk;
            slot.Kind = span.Kind;
            slot.Status = span.Status;
            slot.Compact = compact;
            slot.Next = -1;
            if (_tail < 0)
            {
                _head = index;
            }
            else
            {
                _slots[_tail].Next = index;
            }
            _tail = index;
            SpanCount++;
            Bytes += raw.Length;
            RootSeen |= span.IsRoot;
            NoteRegion(span.Origin.Region, now);
            NoteSpanId(span.SpanId);
        }
        return duplicates;
    }

    private bool Holds(SpanId id)
    {
        if (_spanIdsInUse)
        {
            return _spanIds!.Contains(id);
        }
        for (var i = _head; i >= 0; i = _slots[i].Next)
        {
            if (_slots[i].SpanId == id)
            {
                return true;
            }
        }
        return false;
    }

    private void NoteSpanId(SpanId id)
    {
        if (_spanIdsInUse)
        {
            _spanIds!.Add(id);
            return;
        }
        if (SpanCount <= LinearScanSpans)
        {
            return;
        }
        // Past this size a walk per arriving span would make a large trace's arrivals quadratic.
        _spanIds ??= [];
        for (var i = _head; i >= 0; i = _slots[i].Next)
        {
            _spanIds.Add(_slots[i].SpanId);
        }
        _spanIdsInUse = true;
    }

    /// <summary>Copies a span's bytes into the arena, compacted when they can be (<see cref="CompactSpan"/>).</summary>
    private ReadOnlyMemory<byte> Hold(BufferedSpan span, ReadOnlySpan<byte> raw, Span<byte> scratch, out bool compact, out SpanArena.Chunk? chunk)
    {
        var arena = _arena!;
        byte[]? rented = null;
        if (raw.Length > scratch.Length)
        {
            rented = ArrayPool<byte>.Shared.Rent(raw.Length);
            scratch = rented;
        }
        var length = span.IsCompact ? -1 : CompactSpan.TryCompact(raw, span, arena.Keys, scratch);
        compact = length >= 0;
        var held = arena.Copy(compact ? scratch[..length] : raw, out chunk);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return held;
    }

    private List<BufferedSpan> Materialize()
    {
        var spans = _slots.NewList(SpanCount);
        for (var i = _head; i >= 0; i = _slots[i].Next)
        {
            ref var s = ref _slots[i];
            spans.Add(_slots.SpanObject(TraceId, in s, s.Compact ? _arena!.Keys : null));
        }
        return spans;
    }

    /// <summary>
    /// Moves the bytes of <see cref="Spans"/> out of the arena into one buffer of the trace's own,
    /// expanded back to complete OTLP Span messages, so they stay valid after <see cref="Release"/>:
    /// a kept trace's spans travel on to storage.
    /// </summary>
    /// <returns>
    /// The buffer the spans now slice, holding one share — the caller's, to hand to whoever reads
    /// the spans last (storage gives it back once it has written their rows; a holder that never
    /// gives it back only costs the reuse). Null when the spans were not in an arena (nothing moved).
    /// </returns>
    /// <remarks>
    /// The buffer is rented from <see cref="SharedBufferPool.KeptTraces"/>: a new array per kept
    /// trace was 6.4 of the node's 36 MB/s at 200k spans/s (dotnet-trace allocation ticks). The
    /// spans are expanded into a scratch writer of this thread first, since their expanded size is
    /// only known once written.
    /// </remarks>
    /// <param name="pool">Where the buffer comes from: <see cref="SharedBufferPool.KeptTraces"/> unless given (tests).</param>
    public SharedBuffer? DetachBytes(SharedBufferPool? pool = null)
    {
        if (_arena is null)
        {
            return null;
        }
        var spans = Spans;
        var writer = t_detachScratch ??= new ProtoWriter(16 * 1024);
        writer.Reset();
        Span<int> ends = spans.Count <= 256 ? stackalloc int[spans.Count] : new int[spans.Count];
        for (var i = 0; i < spans.Count; i++)
        {
            spans[i].WriteOtlp(writer);
            ends[i] = writer.Length;
        }
        var own = (pool ?? SharedBufferPool.KeptTraces).Rent(writer.Length);
        writer.WrittenSpan.CopyTo(own.Writable.Span);
        if (writer.Capacity > MaxScratchBytes)
        {
            // One huge trace must not keep a huge scratch array per thread for good.
            t_detachScratch = null;
        }
        var memory = own.Memory;
        for (int i = 0, at = 0; i < spans.Count; at = ends[i], i++)
        {
            spans[i].Rebase(memory[at..ends[i]]);
        }
        return own;
    }

    /// <summary>
    /// Gives the trace's slots and arena bytes back to the shard. Objects from <see cref="Spans"/>
    /// stay usable, but their bytes are reused unless <see cref="DetachBytes"/> came first; with
    /// <paramref name="reuseSpans"/> the objects themselves are reused too, for the shard's next
    /// decision: only for a dropped trace, once nothing reads its spans any more.
    /// </summary>
    public void Release(bool reuseSpans = false)
    {
        if (reuseSpans)
        {
            _slots.Recycle(this);
        }

        for (var i = _head; i >= 0;)
        {
            ref var slot = ref _slots[i];
            var next = slot.Next;
            if (slot.Chunk is { } chunk)
            {
                _arena!.Release(chunk);
            }
            _slots.Free(i);
            i = next;
        }
        _head = _tail = -1;
    }

    private void NoteRegion(string region, DateTimeOffset now)
    {
        if (_firstRegion is null)
        {
            _firstRegion = region;
            _firstRegionAtTicks = now.UtcTicks;
            return;
        }
        if (ReferenceEquals(_firstRegion, region) || _firstRegion == region)
        {
            return;
        }
        if (_secondRegion is null)
        {
            _secondRegion = region;
            _secondRegionAtTicks = now.UtcTicks;
            return;
        }
        if (ReferenceEquals(_secondRegion, region) || _secondRegion == region)
        {
            return;
        }
        _moreRegions ??= new(2);
        foreach (var (seen, _) in _moreRegions)
        {
            if (ReferenceEquals(seen, region) || seen == region)
            {
                return;
            }
        }
        _moreRegions.Add((region, now.UtcTicks));
    }

    /// <summary>How many spans name a parent that is not (yet) in the buffer.</summary>
    public int CountMissingParents()
    {
        if (SpanCount <= ScanMissingParentsUpTo)
        {
            return CountMissingParentsByScan();
        }
        var ids = new HashSet<ulong>(SpanCount);
        for (var i = _head; i >= 0; i = _slots[i].Next)
        {
            ids.Add(_slots[i].SpanId.Value);
        }
        var missing = 0;
        for (var i = _head; i >= 0; i = _slots[i].Next)
        {
            var parent = _slots[i].ParentSpanId;
            if (!parent.IsEmpty && !ids.Contains(parent.Value))
            {
                missing++;
            }
        }
        return missing;
    }

    private int CountMissingParentsByScan()
    {
        var missing = 0;
        for (var i = _head; i >= 0; i = _slots[i].Next)
        {
            var parent = _slots[i].ParentSpanId;
            if (parent.IsEmpty)
            {
                continue;
            }
            var found = false;
            for (var j = _head; j >= 0; j = _slots[j].Next)
            {
                if (_slots[j].SpanId.Value == parent.Value)
                {
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                missing++;
            }
        }
        return missing;
    }
}
