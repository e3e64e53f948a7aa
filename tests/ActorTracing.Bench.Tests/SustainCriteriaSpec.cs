using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

public sealed class SustainCriteriaSpec
{
    private static readonly StepMeasurement Healthy = new()
    {
        OfferedSpansPerSecond = 100_000,
        DurationSeconds = 10,
        SentSpans = 1_000_000,
        ReceivedSpans = 1_000_000,
        DecidedSpansPerSecond = 99_000,
        KeptSpans = 90_000,
        StoredRows = 90_000,
        AckLatency = new LatencySummary(1000, 900, 800, 1000, 1200, 1900, 2500, 4000),
    };

    [Fact]
    public void A_step_that_kept_up_has_no_reasons() => Assert.Empty(new SustainCriteria().Judge(Healthy));

    [Fact]
    public void Any_throttling_fails_a_step()
    {
        var reasons = new SustainCriteria().Judge(Healthy with { Throttled = 3 });

        Assert.Contains(reasons, r => r.Contains("refused 3", StringComparison.Ordinal));
    }

    [Fact]
    public void Accepting_less_than_offered_fails_a_step()
    {
        var reasons = new SustainCriteria().Judge(Healthy with { ReceivedSpans = 900_000 });

        Assert.Contains(reasons, r => r.StartsWith("accepted 90,000/s", StringComparison.Ordinal));
    }

    [Fact]
    public void Queueing_acks_fail_a_step()
    {
        var reasons = new SustainCriteria().Judge(Healthy with { AckLatency = Healthy.AckLatency with { P99 = 1_500_000 } });

        Assert.Contains(reasons, r => r.Contains("requests queueing", StringComparison.Ordinal));
    }

    [Fact]
    public void Lagging_decisions_fail_a_step()
    {
        var reasons = new SustainCriteria().Judge(Healthy with { DecidedSpansPerSecond = 50_000 });

        Assert.Contains(reasons, r => r.Contains("decisions lagging", StringComparison.Ordinal));
    }

    [Fact]
    public void Kept_spans_missing_from_storage_fail_a_step()
    {
        var reasons = new SustainCriteria().Judge(Healthy with { StoredRows = 80_000, PendingRowsAfterDrain = 10_000 });

        Assert.Contains(reasons, r => r.Contains("storage lagging", StringComparison.Ordinal));
    }

    [Fact]
    public void Rates_are_per_second_of_the_step()
    {
        Assert.Equal(100_000, Healthy.AcceptedSpansPerSecond);
        Assert.Equal(9_000, Healthy.StoredSpansPerSecond);
        Assert.Equal(0, new StepMeasurement().AcceptedSpansPerSecond);
    }
}
