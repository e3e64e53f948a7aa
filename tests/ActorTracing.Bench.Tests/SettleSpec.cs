namespace ActorTracing.Bench.Tests;

/// <summary>When a latency run may start: the target drained and quiet (the search's catch-up work done).</summary>
public sealed class SettleSpec
{
    private static NodeSample Sample(double cpuSeconds, long buffered = 0, long pending = 0) =>
        new(0, "settle", 0, buffered, 0, 0, 0, 0, 0, 0, pending, 0, 0, 0, cpuSeconds, 0, 0);

    [Fact]
    public void A_drained_target_under_a_quarter_core_is_settled()
    {
        Assert.True(BenchRunner.IsSettled(Sample(10.0), Sample(10.2), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_target_still_merging_is_not_settled_though_nothing_is_pending()
    {
        // 0.9 s of CPU in 1 s: the engine catching up on merges after a saturated step.
        Assert.False(BenchRunner.IsSettled(Sample(10.0), Sample(10.9), TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(5, 0)]
    [InlineData(0, 7)]
    public void Buffered_spans_or_pending_rows_mean_not_settled(long buffered, long pending)
    {
        Assert.False(BenchRunner.IsSettled(Sample(10.0), Sample(10.0, buffered, pending), TimeSpan.FromSeconds(1)));
    }
}
