using System.Diagnostics;

namespace ActorTracing.Workload;

/// <summary>The real clock: <see cref="Stopwatch"/> for intervals, the system clock for timestamps.</summary>
public sealed class SystemWorkloadClock : IWorkloadClock
{
    public static readonly SystemWorkloadClock Instance = new();

    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    private SystemWorkloadClock()
    {
    }

    public long NowNanos => (long)(Stopwatch.GetTimestamp() * NanosPerTick);

    public ulong UnixNowNanos => (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100UL;

    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, cancellationToken);
}
