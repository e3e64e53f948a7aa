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

    // Usually one region, rarely more than three: a list beats a dictionary here.
    private readonly List<KeyValuePair<string, DateTimeOffset>> _regionArrivals = new(1);

    public TraceBuffer(TraceId traceId) => TraceId = traceId;

    public TraceId TraceId { get; }

    public IReadOnlyList<BufferedSpan> Spans => _spans;

    public int SpanCount => _spans.Count;

    public long Bytes { get; private set; }

    public bool RootSeen { get; private set; }

    public DateTimeOffset FirstArrival { get; private set; }

    public DateTimeOffset LastArrival { get; private set; }

    /// <summary>When the first span of each region reached the trace, in order of arrival.</summary>
    public IReadOnlyList<KeyValuePair<string, DateTimeOffset>> RegionArrivals => _regionArrivals;

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

    /// <summary>How many spans name a parent that is not (yet) in the buffer.</summary>
    private void NoteRegion(string region, DateTimeOffset now)
    {
        foreach (var arrival in _regionArrivals)
        {
            if (ReferenceEquals(arrival.Key, region) || arrival.Key == region)
            {
                return;
            }
        }
        _regionArrivals.Add(new(region, now));
    }

    public int CountMissingParents()
    {
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
}
