namespace ActorTracing.Bench;

/// <summary>What the generator did in one second of its run (deltas, not totals).</summary>
/// <param name="Second">Seconds since the run started at the end of this interval (1 = the first second).</param>
public sealed record LoadSecond(int Second, long SpansGenerated, long SpansSent, long Throttled, long FailedRequests);
