using System.Diagnostics;

namespace ActorTracing.Workload;

/// <summary>The real clock: <see cref="Stopwatch"/> for intervals, the system clock for timestamps.</summary>
public sealed class SystemWorkloadClock : IWorkloadClock
{
    public static readonly SystemWorkloadClock Instance = new();

    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    private static readonly TimeSpan PreciseBelow = TimeSpan.FromMilliseconds(50);

    private SystemWorkloadClock()
    {
    }

    public long NowNanos => (long)(Stopwatch.GetTimestamp() * NanosPerTick);

    public ulong UnixNowNanos => (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100UL;

    // Task.Delay truncates to whole milliseconds, so a positive wait under 1 ms would complete at
    // once and the producer would busy-spin a core (at 20k spans/s the next trace is always < 1 ms
    // away) without ever yielding its thread. Short waits (pacing) go to the precise timer; long
    // ones (retry back-off) keep the ordinary timer.
    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask
        : delay < PreciseBelow ? PreciseTimer.Shared.Delay(delay, cancellationToken)
        : Task.Delay(delay, cancellationToken);

    // A blocking sender's back-off: the thread is dedicated to sending, so it waits on the token's
    // handle (no timer, no thread-pool continuation) and wakes at once on cancellation.
    public void Sleep(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            cancellationToken.WaitHandle.WaitOne(delay);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}
