namespace ActorTracing.Bench;

/// <summary>Ack latency at one fraction of the measured max throughput.</summary>
public sealed record LatencyPoint(string Protocol, double LoadFraction, double OfferedSpansPerSecond, double AchievedSpansPerSecond, LatencySummary AckLatency, long Throttled, long FailedRequests, double NodeCpuPercent, double GeneratorCpuPercent, double GcPausePercent = 0);
