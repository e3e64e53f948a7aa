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

    [Fact]
    public void A_full_run_measures_the_targets_load_three_times_in_a_row_and_the_other_protocol_once()
        => Assert.Equal(
            [("http", 0.5), ("http", 0.8), ("http", 0.8), ("http", 0.8), ("http", 1.0), ("grpc", 0.8)],
            BenchRunner.LatencyRuns("http", BenchOptions.Full.LatencyFractions, BenchOptions.Full.TargetFractionRuns));

    [Fact]
    public void A_quick_run_measures_each_load_once()
        => Assert.Equal(
            [("grpc", 0.5), ("grpc", 0.8), ("grpc", 1.0), ("http", 0.8)],
            BenchRunner.LatencyRuns("grpc", BenchOptions.Quick.LatencyFractions, BenchOptions.Quick.TargetFractionRuns));
}
