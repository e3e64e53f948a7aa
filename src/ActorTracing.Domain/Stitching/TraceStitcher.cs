using ActorTracing.Domain.Completion;

namespace ActorTracing.Domain.Stitching;

/// <summary>Builds the <see cref="TraceStitch"/> of a buffered trace at decision time. Pure.</summary>
public static class TraceStitcher
{
    public static TraceStitch Stitch(TraceBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var spans = buffer.Spans;
        var arrivals = buffer.RegionArrivals;
        var regions = new string[arrivals.Count];
        var lag = new KeyValuePair<string, TimeSpan>[arrivals.Count];
        for (var i = 0; i < arrivals.Count; i++)
        {
            regions[i] = arrivals[i].Key;
            lag[i] = new(arrivals[i].Key, arrivals[i].Value - buffer.FirstArrival);
        }

        ulong start = ulong.MaxValue, end = 0;
        foreach (var s in spans)
        {
            start = Math.Min(start, s.StartUnixNano);
            end = Math.Max(end, s.EndUnixNano);
        }
        if (spans.Count == 0)
        {
            start = 0;
        }

        IReadOnlyList<CrossRegionEdge> edges = [];
        long maxSkew = 0;
        if (regions.Length > 1)
        {
            // Only a multi-region trace can have cross-region edges; single-region traces (the vast
            // majority) skip the index entirely.
            var byId = new Dictionary<ulong, BufferedSpan>(spans.Count);
            foreach (var s in spans)
            {
                byId.TryAdd(s.SpanId.Value, s);
            }
            var list = new List<CrossRegionEdge>();
            foreach (var child in spans)
            {
                if (child.ParentSpanId.IsEmpty || !byId.TryGetValue(child.ParentSpanId.Value, out var parent) || parent.Origin.Region == child.Origin.Region)
                {
                    continue;
                }
                var skew = child.StartUnixNano < parent.StartUnixNano ? (long)(parent.StartUnixNano - child.StartUnixNano) : 0;
                maxSkew = Math.Max(maxSkew, skew);
                list.Add(new CrossRegionEdge(parent.SpanId, child.SpanId, parent.Origin.Region, child.Origin.Region, skew));
            }
            edges = list;
        }
        return new TraceStitch(regions, edges, lag, maxSkew, start, end > start ? end - start : 0, spans.Count);
    }
}
