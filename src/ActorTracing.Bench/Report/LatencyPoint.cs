namespace ActorTracing.Bench;

/// <summary>Ack latency at one fraction of the measured max throughput.</summary>
/// <param name="GcPauses">The node's GC pauses during the run by kind (embedded target only: it needs the node's process).</param>
/// <param name="GeneratorGcPauses">The load generator's own GC pauses during the run.</param>
/// <param name="NodeAnswered">How long the node's receiver took to answer, over the run's measured window (embedded target only).</param>
/// <param name="Stalls">What the requests at or above the p99 were in flight with (embedded target only: it needs the node's GC pauses).</param>
public sealed record LatencyPoint(string Protocol, double LoadFraction, double OfferedSpansPerSecond, double AchievedSpansPerSecond, LatencySummary AckLatency, long Throttled, long FailedRequests, double NodeCpuPercent, double GeneratorCpuPercent, double GcPausePercent = 0, GcPauseSummary? GcPauses = null, GcPauseSummary? GeneratorGcPauses = null, NodeAnswerLatency? NodeAnswered = null, AckStalls? Stalls = null, double EngineMergeCpuPercent = 0);
