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
    public async Task Pacing_waits_end_in_due_order_and_never_before_they_are_due()
    {
        // The pacing thread sleeps to the earliest due time (sub-millisecond on Linux); whatever
        // the machine's load, it must hand waits back in due order and never early. The
        // continuations run on the pacing thread as each wait ends, so their order is the timer's.
        var started = Stopwatch.StartNew();
        var order = new System.Collections.Concurrent.ConcurrentQueue<int>();
        // 20 ms ahead, so every continuation is attached before its wait can end (and under the
        // 50 ms up to which waits go to the pacing thread).
        var micros = new[] { 22_500, 20_700, 21_600, 20_300 };
        var waits = micros.Select((us, i) => SystemWorkloadClock.Instance.DelayAsync(TimeSpan.FromMicroseconds(us), CancellationToken.None)
            .ContinueWith(_ => { order.Enqueue(i); return started.Elapsed; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)).ToArray();

        var ended = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([3, 1, 2, 0], order.ToArray());
        for (var i = 0; i < micros.Length; i++)
        {
            Assert.True(ended[i] >= TimeSpan.FromMicroseconds(micros[i]), $"wait {i} ({micros[i]} µs) ended after {ended[i].TotalMicroseconds:F0} µs");
        }
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
