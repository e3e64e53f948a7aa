namespace ActorTracing.Bench.Tests;

/// <summary>The node-side answer times of a latency run, from two readings of the receiver's histogram.</summary>
public sealed class NodeAnswerLatencySpec
{
    private static readonly double[] Bounds = [0.001, 0.002, 0.005];

    [Fact]
    public void Quantiles_are_interpolated_within_the_bucket_their_rank_falls_in()
    {
        long[] cumulative = [50, 90, 100, 100];

        Assert.Equal(0.001, NodeAnswerLatency.Quantile(cumulative, Bounds, 0.5), 9);
        // Rank 99 is the 9th of the 10 answers between 2 and 5 ms.
        Assert.Equal(0.0047, NodeAnswerLatency.Quantile(cumulative, Bounds, 0.99), 9);
        // Rank 25 is half way through the first bucket, which starts at 0.
        Assert.Equal(0.0005, NodeAnswerLatency.Quantile(cumulative, Bounds, 0.25), 9);
    }

    [Fact]
    public void A_rank_above_every_bound_gives_the_highest_bound()
    {
        Assert.Equal(0.005, NodeAnswerLatency.Quantile([0, 0, 0, 10], Bounds, 0.5), 9);
    }

    [Fact]
    public void Only_the_answers_between_the_two_readings_count()
    {
        // 1,000 fast answers before the window; in it, 100 answers of which 10 took 2-5 ms.
        var answered = NodeAnswerLatency.Between([1_000, 1_000, 1_000, 1_000], [1_050, 1_090, 1_100, 1_100], Bounds);

        Assert.NotNull(answered);
        Assert.Equal(100, answered.Requests);
        Assert.Equal(1.0, answered.P50Ms, 6);
        Assert.Equal(4.7, answered.P99Ms, 6);
        Assert.Contains("p99 4.7 ms", answered.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_reading_or_without_answers_there_is_nothing_to_report()
    {
        Assert.Null(NodeAnswerLatency.Between(null, [1, 1, 1, 1], Bounds));
        Assert.Null(NodeAnswerLatency.Between([5, 5, 5, 5], [5, 5, 5, 5], Bounds));
        // A reading of another histogram's shape is not compared.
        Assert.Null(NodeAnswerLatency.Between([0, 0], [1, 1], Bounds));
    }
}
