using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

public sealed class MaxThroughputSearchSpec
{
    /// <summary>A node that keeps up with any rate up to its capacity, and records what it was offered.</summary>
    private sealed class FakeNode(double capacity)
    {
        public List<double> Offered { get; } = [];

        public Task<SearchStep> Probe(double rate, int index, CancellationToken _)
        {
            Offered.Add(rate);
            var ok = rate <= capacity;
            return Task.FromResult(new SearchStep(index, rate, ok, ok ? [] : ["fell behind"], null));
        }
    }

    [Fact]
    public async Task Grows_geometrically_then_bisects_to_within_the_resolution()
    {
        var node = new FakeNode(130_000);
        var search = new MaxThroughputSearch(25_000, 2, 400_000, maxSteps: 20, resolution: 0.05);

        var result = await search.RunAsync(node.Probe);

        Assert.Equal([25_000, 50_000, 100_000, 200_000, 150_000, 125_000], node.Offered.Take(6));
        Assert.InRange(result.MaxSustainedSpansPerSecond, 130_000 * 0.95, 130_000);
        Assert.NotNull(result.FirstFailingSpansPerSecond);
        Assert.True((result.FirstFailingSpansPerSecond!.Value - result.MaxSustainedSpansPerSecond) / result.FirstFailingSpansPerSecond.Value <= 0.05);
        Assert.StartsWith("bracketed", result.StoppedBecause, StringComparison.Ordinal);
        Assert.Equal(result.MaxSustainedSpansPerSecond, result.Best!.OfferedSpansPerSecond);
    }

    [Fact]
    public async Task Never_offers_more_than_the_ceiling_and_says_the_node_may_do_more()
    {
        var node = new FakeNode(double.MaxValue);
        var search = new MaxThroughputSearch(25_000, 2, 150_000, maxSteps: 10, resolution: 0.05);

        var result = await search.RunAsync(node.Probe);

        Assert.Equal([25_000, 50_000, 100_000, 150_000], node.Offered);
        Assert.Equal(150_000, result.MaxSustainedSpansPerSecond);
        Assert.Null(result.FirstFailingSpansPerSecond);
        Assert.Contains("ceiling", result.StoppedBecause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_step_that_failed_cold_is_offered_once_more_before_it_counts()
    {
        var node = new FakeNode(130_000);
        var cold = true;
        Task<SearchStep> Probe(double rate, int index, CancellationToken ct)
        {
            if (cold)
            {
                cold = false;
                node.Offered.Add(rate);
                return Task.FromResult(new SearchStep(index, rate, false, ["fell behind (cold)"], null));
            }
            return node.Probe(rate, index, ct);
        }
        var search = new MaxThroughputSearch(25_000, 2, 400_000, maxSteps: 20, resolution: 0.05);

        var result = await search.RunAsync(Probe);

        Assert.Equal([25_000, 25_000, 50_000, 100_000, 200_000], node.Offered.Take(5));
        Assert.InRange(result.MaxSustainedSpansPerSecond, 130_000 * 0.95, 130_000);
        Assert.Equal([0, 1, 2], result.Steps.Take(3).Select(s => s.Index));
    }

    [Fact]
    public async Task Searches_below_the_start_rate_when_the_first_step_fails()
    {
        var node = new FakeNode(7_000);
        var search = new MaxThroughputSearch(25_000, 2, 400_000, maxSteps: 12, resolution: 0.1);

        var result = await search.RunAsync(node.Probe);

        // Offered twice (a cold target's first step may fail for being cold), then below.
        Assert.Equal([25_000, 25_000], node.Offered.Take(2));
        Assert.InRange(result.MaxSustainedSpansPerSecond, 6_000, 7_000);
        Assert.All(node.Offered.Skip(2), r => Assert.True(r < 25_000));
    }

    [Fact]
    public async Task Stops_at_the_step_budget_and_reports_the_open_bracket()
    {
        var node = new FakeNode(130_000);
        var search = new MaxThroughputSearch(25_000, 2, 400_000, maxSteps: 5, resolution: 0.01);

        var result = await search.RunAsync(node.Probe);

        Assert.Equal(5, result.Steps.Count);
        Assert.Equal(100_000, result.MaxSustainedSpansPerSecond);
        Assert.Equal(150_000, result.FirstFailingSpansPerSecond);
        Assert.Contains("budget", result.StoppedBecause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rounds_offered_rates_to_the_granularity()
    {
        var node = new FakeNode(101_234);
        var search = new MaxThroughputSearch(30_000, 1.7, 400_000, maxSteps: 12, resolution: 0.001, granularity: 1000);

        await search.RunAsync(node.Probe);

        Assert.All(node.Offered, r => Assert.Equal(0, r % 1000));
    }
}
