namespace ActorTracing.Storage;

/// <summary>A cross-region parent→child edge of a trace and the clock skew measured on it (child start before parent start is positive skew).</summary>
public sealed record SkewEdgeRecord(string ParentSpanId, string SpanId, string ParentRegion, string Region, long SkewNanos);
