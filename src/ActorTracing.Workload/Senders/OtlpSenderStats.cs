namespace ActorTracing.Workload;

/// <summary>
/// Counters of one sender, updated lock-free by concurrent requests. <see cref="Latency"/> is the
/// service time in microseconds from the first attempt to the final acknowledgement.
/// </summary>
public sealed class OtlpSenderStats
{
    private long _requests;
    private long _attempts;
    private long _throttled;
    private long _retries;
    private long _failed;
    private long _rejectedSpans;

    public long Requests => Volatile.Read(ref _requests);

    public long Attempts => Volatile.Read(ref _attempts);

    public long Throttled => Volatile.Read(ref _throttled);

    public long Retries => Volatile.Read(ref _retries);

    /// <summary>Requests given up on (non-retryable status or <see cref="OtlpSenderOptions.GiveUpAfter"/>).</summary>
    public long Failed => Volatile.Read(ref _failed);

    public long RejectedSpans => Volatile.Read(ref _rejectedSpans);

    public LatencyHistogram Latency { get; } = new();

    internal void OnRequest() => Interlocked.Increment(ref _requests);

    internal void OnAttempt() => Interlocked.Increment(ref _attempts);

    internal void OnThrottled() => Interlocked.Increment(ref _throttled);

    internal void OnRetry() => Interlocked.Increment(ref _retries);

    internal void OnFailed() => Interlocked.Increment(ref _failed);

    internal void OnRejected(long spans) => Interlocked.Add(ref _rejectedSpans, spans);
}
