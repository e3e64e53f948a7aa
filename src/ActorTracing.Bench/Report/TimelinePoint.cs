namespace ActorTracing.Bench;

/// <summary>Per-interval rates of the node (from consecutive samples) for the throughput-over-time chart.</summary>
public sealed record TimelinePoint(double Seconds, string Phase, double ReceivedPerSecond, double DecidedPerSecond, double StoredPerSecond, long BufferedSpans, long RssBytes, double CpuPercent);
