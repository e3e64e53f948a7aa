using System.Diagnostics;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

public sealed class SystemWorkloadClockSpec
{
    [Fact]
    public async Task A_sub_millisecond_wait_really_waits_instead_of_completing_at_once()
    {
        // Task.Delay truncates 0.5 ms to 0 and completes synchronously, which made the producer
        // busy-spin a core; the pacing timer must yield. Measured as elapsed time rather than
        // IsCompleted right after the call: on a loaded machine the timer thread may legitimately
        // finish the wait before the test thread looks.
        var elapsed = Stopwatch.StartNew();
        await SystemWorkloadClock.Instance.DelayAsync(TimeSpan.FromTicks(5_000), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(elapsed.Elapsed >= TimeSpan.FromTicks(5_000), $"completed after {elapsed.Elapsed.TotalMicroseconds:F0} µs");
    }

    [Fact]
    public void A_blocking_sleep_waits_and_is_cut_short_by_cancellation()
    {
        var elapsed = Stopwatch.StartNew();
        SystemWorkloadClock.Instance.Sleep(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        Assert.True(elapsed.Elapsed >= TimeSpan.FromMilliseconds(20));

        using var cancelled = new CancellationTokenSource();
        cancelled.CancelAfter(TimeSpan.FromMilliseconds(10));
        elapsed.Restart();
        Assert.Throws<OperationCanceledException>(() => SystemWorkloadClock.Instance.Sleep(TimeSpan.FromMinutes(5), cancelled.Token));
        Assert.True(elapsed.Elapsed < TimeSpan.FromMinutes(1));
    }
}
