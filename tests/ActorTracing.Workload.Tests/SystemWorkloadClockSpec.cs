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
        // the machine's load, it must hand waits back in due order and never early. A wait is due
        // its delay after the call, so each call is bracketed by clock reads: a pair is checked
        // for order only when its due windows cannot overlap. The continuations run on the pacing
        // thread as each wait ends, so their order is the timer's. Delays stay under the 50 ms up
        // to which waits go to the pacing thread.
        var clock = Stopwatch.StartNew();
        var order = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var delays = new[] { 36, 18, 30, 24, 19 }.Select(ms => TimeSpan.FromMilliseconds(ms)).ToArray();
        var before = new TimeSpan[delays.Length];
        var after = new TimeSpan[delays.Length];
        var waits = new Task<TimeSpan>[delays.Length];
        for (var i = 0; i < delays.Length; i++)
        {
            var index = i;
            before[i] = clock.Elapsed;
            var wait = SystemWorkloadClock.Instance.DelayAsync(delays[i], CancellationToken.None);
            after[i] = clock.Elapsed;
            waits[i] = wait.ContinueWith(_ => { order.Enqueue(index); return clock.Elapsed; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        var ended = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10));

        var position = order.Select((index, rank) => (index, rank)).ToDictionary(p => p.index, p => p.rank);
        var checkedPairs = 0;
        for (var i = 0; i < delays.Length; i++)
        {
            Assert.True(ended[i] >= before[i] + delays[i], $"wait {i} ({delays[i].TotalMilliseconds} ms) ended {(before[i] + delays[i] - ended[i]).TotalMicroseconds:F0} µs early");
            for (var j = 0; j < delays.Length; j++)
            {
                if (after[i] + delays[i] < before[j] + delays[j])
                {
                    Assert.True(position[i] < position[j], $"wait {i} was due before wait {j} but ended after it: order {string.Join(",", order)}");
                    checkedPairs++;
                }
            }
        }
        Assert.True(checkedPairs > 0, "no pair of waits had separate due windows");
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
