using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

public sealed class TimelineSpec
{
    private static NodeSample At(double seconds, long received, long buffered, long rows, double cpu = 0, string phase = "p") =>
        new(seconds, phase, received, buffered, 0, 0, 0, received - buffered, 0, rows, 0, 0, 100, 50, cpu, 0, 0);

    [Fact]
    public void Rates_come_from_samples_at_least_a_second_apart()
    {
        var points = BenchRunner.Timeline([At(0, 0, 0, 0), At(0.5, 5_000, 5_000, 0), At(1, 10_000, 10_000, 0, cpu: 0.5), At(2, 20_000, 12_000, 500, cpu: 1.5)]);

        Assert.Equal(2, points.Count);
        Assert.Equal(10_000, points[0].ReceivedPerSecond);
        Assert.Equal(0, points[0].DecidedPerSecond);
        Assert.Equal(50, points[0].CpuPercent);
        Assert.Equal(8_000, points[1].DecidedPerSecond);
        Assert.Equal(500, points[1].StoredPerSecond);
    }

    [Fact]
    public void A_node_restart_starts_a_new_series_instead_of_a_negative_rate()
    {
        var points = BenchRunner.Timeline([At(0, 0, 0, 0), At(1, 10_000, 0, 0), At(2, 0, 0, 0), At(3, 4_000, 4_000, 0)]);

        Assert.All(points, p => Assert.True(p.ReceivedPerSecond >= 0));
        Assert.Equal([10_000.0, 4_000.0], points.Select(p => p.ReceivedPerSecond));
    }

    [Fact]
    public void The_decided_rate_is_taken_once_decisions_can_have_started()
    {
        // Nothing is decided for the send-delay (2 s); then decisions run at the offered 10,000/s.
        var window = new[] { At(0, 0, 0, 0), At(1, 10_000, 10_000, 0), At(2, 20_000, 20_000, 0), At(3, 30_000, 20_000, 0), At(4, 40_000, 20_000, 0) };

        Assert.Equal(10_000, BenchRunner.DecidedRate(window, steadyFrom: 2.25 - 0.25), 6);
        Assert.Equal(5_000, BenchRunner.DecidedRate(window, steadyFrom: 10), 6);
    }
}
