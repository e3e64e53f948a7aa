namespace ActorTracing.Domain.Stitching;

/// <summary>
/// A parent→child edge whose two spans were recorded in different regions.
/// <paramref name="SkewNanos"/> is how far the child's clock appears behind its parent's: the
/// child started this long before its parent (0 when the child starts within the parent, as a
/// causal edge must on correct clocks).
/// </summary>
public sealed record CrossRegionEdge(SpanId ParentSpanId, SpanId SpanId, string ParentRegion, string Region, long SkewNanos);
