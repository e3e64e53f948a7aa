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

    public TraceBuffer(TraceId traceId) => TraceId = traceId;

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
            _spans.Add(span);
            Bytes += span.Size;
            RootSeen |= span.IsRoot;
            NoteRegion(span.Origin.Region, now);
        }
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
