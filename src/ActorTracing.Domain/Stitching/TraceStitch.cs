namespace ActorTracing.Domain.Stitching;

/// <summary>
/// What only a cluster-wide TraceActor can know about a trace that crossed regions: every region
/// it touched, its cross-region edges with clock skew, and how much later each region's first
/// span arrived than the trace's first span. Stored with the trace and shown by the query layer.
/// </summary>
/// <param name="Regions">Regions in order of first arrival.</param>
/// <param name="ArrivalLag">Per region: first arrival minus the trace's first arrival (0 for the first region).</param>
/// <param name="MaxSkewNanos">Largest <see cref="CrossRegionEdge.SkewNanos"/>; 0 when clocks look consistent.</param>
public sealed record TraceStitch(
    IReadOnlyList<string> Regions,
    IReadOnlyList<CrossRegionEdge> Edges,
    IReadOnlyList<KeyValuePair<string, TimeSpan>> ArrivalLag,
    long MaxSkewNanos,
    ulong StartUnixNano,
    ulong DurationNanos,
    int SpanCount)
{
    public bool IsCrossRegion => Regions.Count > 1;
}
