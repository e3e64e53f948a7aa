namespace ActorTracing.Storage;

/// <summary>How late a region's fragment of a trace arrived after the first span, in milliseconds.</summary>
public sealed record ArrivalLagRecord(string Region, long LagMs);
