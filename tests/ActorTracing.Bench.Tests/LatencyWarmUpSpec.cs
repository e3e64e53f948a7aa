using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

/// <summary>A latency run measures the steady state: its acks count only once the run's first traces are being decided.</summary>
public sealed class LatencyWarmUpSpec
{
    [Fact]
    public void The_quick_runs_short_warm_up_is_stretched_past_the_send_delay()
        => Assert.Equal(TimeSpan.FromSeconds(2.5), BenchRunner.LatencyWarmUp(BenchOptions.Quick.StepWarmUp, TimeSpan.FromSeconds(2)));

    [Fact]
    public void A_warm_up_already_past_the_send_delay_stands()
        => Assert.Equal(BenchOptions.Full.StepWarmUp, BenchRunner.LatencyWarmUp(BenchOptions.Full.StepWarmUp, TimeSpan.FromSeconds(2)));
}
