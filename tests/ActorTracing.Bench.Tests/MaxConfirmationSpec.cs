using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

public sealed class MaxConfirmationSpec
{
    private static Func<double, CancellationToken, Task<bool>> Node(double holds, List<double> offered)
        => (rate, _) =>
        {
            offered.Add(rate);
            return Task.FromResult(rate <= holds);
        };

    [Fact]
    public async Task A_maximum_that_holds_is_kept_after_one_run()
    {
        var offered = new List<double>();
        var (max, held, outcome) = await new MaxConfirmation(0.1, 2).RunAsync(250_000, Node(260_000, offered));

        Assert.Equal(250_000, max);
        Assert.True(held);
        Assert.Equal([250_000.0], offered);
        Assert.Equal("held 250,000 spans/s for a latency run's length", outcome);
    }

    [Fact]
    public async Task A_maximum_that_does_not_hold_is_stepped_down_until_one_does()
    {
        var offered = new List<double>();
        var (max, held, outcome) = await new MaxConfirmation(0.1, 2).RunAsync(288_000, Node(240_000, offered));

        Assert.Equal([288_000.0, 259_200, 233_280], offered);
        Assert.Equal(233_280, max);
        Assert.True(held);
        Assert.Equal("288,000 spans/s did not hold for a latency run's length; 233,280 did", outcome);
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_next_rate_down_is_used_but_not_claimed_to_hold()
    {
        var offered = new List<double>();
        var (max, held, outcome) = await new MaxConfirmation(0.1, 1).RunAsync(288_000, Node(100_000, offered));

        Assert.Equal([288_000.0, 259_200], offered);
        Assert.Equal(233_280, max);
        Assert.False(held);
        Assert.Equal("288,000 spans/s did not hold for a latency run's length, nor 1 lower rates; latency runs use 233,280", outcome);
    }
}
