namespace ActorTracing.Bench;

/// <summary>
/// One stitching probe: a trace whose spans were exported in two halves, possibly through two
/// regions' receivers. <see cref="LastAckUnixNanos"/> is when the node acknowledged the last half;
/// time-to-queryable is measured from it.
/// </summary>
public sealed record ProbeTrace(string TraceId, int Spans, IReadOnlyList<string> Regions, long FirstSentUnixNanos, long LastAckUnixNanos, bool Acknowledged);
