using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

public sealed class SystemWorkloadClockSpec
{
    [Fact]
    public async Task A_sub_millisecond_wait_really_waits_instead_of_completing_at_once()
    {
        // Task.Delay truncates 0.5 ms to 0 and completes synchronously, which made the producer
        // busy-spin a core; the pacing timer must yield.
        var wait = SystemWorkloadClock.Instance.DelayAsync(TimeSpan.FromTicks(5_000), CancellationToken.None);
        Assert.False(wait.IsCompleted);
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
