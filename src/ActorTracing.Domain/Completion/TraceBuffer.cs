namespace ActorTracing.Domain.Completion;

/// <summary>
/// The spans of one undecided trace. Owned by exactly one TraceActor, so it is not thread-safe.
/// It records only what completion needs cheaply (counts, root seen, arrival times); the
/// missing-parent check is computed on demand because it is needed once per quiet period, not
/// once per span.
/// </summary>
public sealed class TraceBuffer
{
    private readonly List<BufferedSpan> _spans = [];

    // Small traces are checked without a set: a nested scan of up to this many spans is cheaper
    // than building a HashSet, and allocates nothing (the check runs once per quiet period).
    private const int ScanMissingParentsUpTo = 32;

    // Almost every trace comes from one region: that one is held in fields, and a list (which
    // also repeats the first) exists only once a second region shows up.
    private string? _firstRegion;
    private DateTimeOffset _firstRegionAt;
    private List<KeyValuePair<string, DateTimeOffset>>? _regionArrivals;

    // The arena chunks this trace's span bytes were copied into, and how many spans each: a trace
    // arrives in one or a few requests, so almost always one chunk, held in fields.
    private readonly SpanArena? _arena;
    private SpanArena.Chunk? _chunk;
    private int _chunkSpans;
    private List<(SpanArena.Chunk Chunk, int Spans)>? _moreChunks;

    /// <param name="arena">When given, span bytes are copied into it (see <see cref="SpanArena"/>) and must be released with <see cref="ReleaseArena"/>.</param>
    public TraceBuffer(TraceId traceId, SpanArena? arena = null)
    {
        TraceId = traceId;
        _arena = arena;
    }

    public TraceId TraceId { get; }

    public IReadOnlyList<BufferedSpan> Spans => _spans;

    public int SpanCount => _spans.Count;

    public long Bytes { get; private set; }

    public bool RootSeen { get; private set; }

    public DateTimeOffset FirstArrival { get; private set; }

    public DateTimeOffset LastArrival { get; private set; }

    /// <summary>When the first span of each region reached the trace, in order of arrival.</summary>
    public IReadOnlyList<KeyValuePair<string, DateTimeOffset>> RegionArrivals
        => _regionArrivals ?? (_firstRegion is null ? [] : [new(_firstRegion, _firstRegionAt)]);

    public void Add(IReadOnlyList<BufferedSpan> spans, DateTimeOffset now)
    {
        if (_spans.Count == 0)
        {
            FirstArrival = now;
        }
        LastArrival = now;
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            if (_arena is not null)
            {
                span.Rebase(_arena.Copy(span.Raw.Span, out var chunk));
                if (chunk is not null)
                {
                    NoteChunk(chunk);
                }
            }
            _spans.Add(span);
            Bytes += span.Size;
            RootSeen |= span.IsRoot;
            NoteRegion(span.Origin.Region, now);
        }
    }

    private void NoteChunk(SpanArena.Chunk chunk)
    {
        if (_chunk is null || ReferenceEquals(_chunk, chunk))
        {
            _chunk = chunk;
            _chunkSpans++;
            return;
        }
        _moreChunks ??= [];
        for (var i = 0; i < _moreChunks.Count; i++)
        {
            if (ReferenceEquals(_moreChunks[i].Chunk, chunk))
            {
                _moreChunks[i] = (chunk, _moreChunks[i].Spans + 1);
                return;
            }
        }
        _moreChunks.Add((chunk, 1));
    }

    /// <summary>
    /// Gives the trace's span bytes back to the arena. With <paramref name="keepBytes"/> the spans
    /// are first moved to one array of their own, so they stay valid after (a kept trace's spans
    /// travel on to storage); without it they must not be read again.
    /// </summary>
    public void ReleaseArena(bool keepBytes)
    {
        if (_arena is null || _chunk is null)
        {
            return;
        }
        if (keepBytes)
        {
            var total = 0;
            foreach (var span in _spans)
            {
                total += span.Raw.Length;
            }
            var own = new byte[total];
            var at = 0;
            foreach (var span in _spans)
            {
                var length = span.Raw.Length;
                span.Raw.Span.CopyTo(own.AsSpan(at));
                span.Rebase(new ReadOnlyMemory<byte>(own, at, length));
                at += length;
            }
        }
        _arena.Release(_chunk, _chunkSpans);
        if (_moreChunks is not null)
        {
            foreach (var (chunk, spans) in _moreChunks)
            {
                _arena.Release(chunk, spans);
            }
        }
        _chunk = null;
        _moreChunks = null;
    }

    private void NoteRegion(string region, DateTimeOffset now)
    {
        if (_firstRegion is null)
        {
            _firstRegion = region;
            _firstRegionAt = now;
            return;
        }
        if (ReferenceEquals(_firstRegion, region) || _firstRegion == region)
        {
            return;
        }
        if (_regionArrivals is null)
        {
            _regionArrivals = new(2) { new(_firstRegion, _firstRegionAt) };
        }
        else
        {
            foreach (var arrival in _regionArrivals)
            {
                if (ReferenceEquals(arrival.Key, region) || arrival.Key == region)
                {
                    return;
                }
            }
        }
        _regionArrivals.Add(new(region, now));
    }

    /// <summary>How many spans name a parent that is not (yet) in the buffer.</summary>
    public int CountMissingParents()
    {
        if (_spans.Count <= ScanMissingParentsUpTo)
        {
            return CountMissingParentsByScan();
        }
        var ids = new HashSet<ulong>(_spans.Count);
        foreach (var span in _spans)
        {
            ids.Add(span.SpanId.Value);
        }
        var missing = 0;
        foreach (var span in _spans)
        {
            if (!span.ParentSpanId.IsEmpty && !ids.Contains(span.ParentSpanId.Value))
            {
                missing++;
            }
        }
        return missing;
    }

    private int CountMissingParentsByScan()
    {
        var missing = 0;
        foreach (var span in _spans)
        {
            if (span.ParentSpanId.IsEmpty)
            {
                continue;
            }
            var parent = span.ParentSpanId.Value;
            var found = false;
            foreach (var candidate in _spans)
            {
                if (candidate.SpanId.Value == parent)
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
