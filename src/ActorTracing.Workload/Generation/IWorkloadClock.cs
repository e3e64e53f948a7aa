namespace ActorTracing.Workload;

/// <summary>
/// The time source of the workload: schedules, latencies and retry waits all go through it, so
/// tests run the generator and senders on virtual time instead of sleeping.
/// </summary>
public interface IWorkloadClock
{
    /// <summary>Monotonic nanoseconds (arbitrary origin); only differences mean anything.</summary>
    long NowNanos { get; }

    /// <summary>Wall-clock time in Unix nanoseconds, for span timestamps and Retry-After dates.</summary>
    ulong UnixNowNanos { get; }

    Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>
    /// Blocks the calling thread for <paramref name="delay"/> (retry back-off on a blocking sender's
    /// dedicated thread). Throws <see cref="OperationCanceledException"/> when cancelled. The default
    /// waits for <see cref="DelayAsync"/>, which a virtual clock completes at once.
    /// </summary>
    void Sleep(TimeSpan delay, CancellationToken cancellationToken) => DelayAsync(delay, cancellationToken).GetAwaiter().GetResult();
}
