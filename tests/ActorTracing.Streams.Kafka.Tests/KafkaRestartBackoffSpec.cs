using ActorTracing.Ingest;

namespace ActorTracing.Streams.Kafka.Tests;

public sealed class KafkaRestartBackoffSpec
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Briefly = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void Failures_in_a_row_double_the_wait_from_min_up_to_max()
    {
        // 0.5 is the middle of the jitter range: no jitter.
        var backoff = new KafkaRestartBackoff(Min, Max, () => 0.5);

        var waits = Enumerable.Range(0, 8).Select(_ => backoff.Next(Briefly).TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], waits);
    }

    [Fact]
    public void Jitter_moves_the_wait_by_up_to_a_quarter_but_never_outside_min_and_max()
    {
        var low = new KafkaRestartBackoff(Min, Max, () => 0.0);
        var high = new KafkaRestartBackoff(Min, Max, () => 0.999_999);

        var lows = Enumerable.Range(0, 6).Select(_ => Math.Round(low.Next(Briefly).TotalSeconds, 3));
        var highs = Enumerable.Range(0, 6).Select(_ => Math.Round(high.Next(Briefly).TotalSeconds, 3));

        Assert.Equal([1, 1.5, 3, 6, 12, 22.5], lows);
        Assert.Equal([1.25, 2.5, 5, 10, 20, 30], highs);
    }

    [Fact]
    public void A_consumer_that_ran_at_least_max_before_failing_starts_the_wait_again_from_min()
    {
        var backoff = new KafkaRestartBackoff(Min, Max, () => 0.5);
        backoff.Next(Briefly);
        backoff.Next(Briefly);
        Assert.Equal(TimeSpan.FromSeconds(4), backoff.Next(Max - Briefly));

        Assert.Equal(Min, backoff.Next(Max));
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Next(Briefly));
    }
}
