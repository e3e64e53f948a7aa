using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Tests.Sampling;

public sealed class RateLimiterSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_full_bucket_allows_a_burst_then_refuses()
    {
        var limiter = new RateLimiter(tracesPerSecond: 10, burst: 3);
        Assert.True(limiter.TryAcquire(T0));
        Assert.True(limiter.TryAcquire(T0));
        Assert.True(limiter.TryAcquire(T0));
        Assert.False(limiter.TryAcquire(T0));
        Assert.Equal(3, limiter.Granted);
        Assert.Equal(1, limiter.Denied);
    }

    [Fact]
    public void Tokens_refill_at_the_configured_rate()
    {
        var limiter = new RateLimiter(tracesPerSecond: 10, burst: 1);
        Assert.True(limiter.TryAcquire(T0));
        Assert.False(limiter.TryAcquire(T0.AddMilliseconds(50)));
        Assert.True(limiter.TryAcquire(T0.AddMilliseconds(100)));
        Assert.False(limiter.TryAcquire(T0.AddMilliseconds(100)));
    }

    [Fact]
    public void A_cluster_wide_limit_spends_this_nodes_share_of_the_rate_and_burst()
    {
        var limiter = new RateLimiter(tracesPerSecond: 100, burst: 40, clusterWide: true);
        Assert.Equal(1, limiter.Share); // alone, until told otherwise
        limiter.SetShare(0.25);
        Assert.Equal(25, limiter.EffectiveTracesPerSecond);
        // The full bucket shrank to the new burst: 10, not the 40 it held.
        for (var i = 0; i < 10; i++)
        {
            Assert.True(limiter.TryAcquire(T0));
        }
        Assert.False(limiter.TryAcquire(T0));
        // Refilled at 25 a second: one token every 40 ms.
        Assert.False(limiter.TryAcquire(T0.AddMilliseconds(39)));
        Assert.True(limiter.TryAcquire(T0.AddMilliseconds(40)));
        // A long pause refills no more than the share of the burst.
        var later = T0.AddHours(1);
        Assert.Equal(10, Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire(later)));
    }

    [Fact]
    public void A_node_with_a_small_share_still_keeps_a_trace_now_and_then_and_one_with_none_keeps_none()
    {
        var limiter = new RateLimiter(tracesPerSecond: 1, burst: 1, clusterWide: true);
        limiter.SetShare(1.0 / 30);
        Assert.True(limiter.TryAcquire(T0));
        Assert.False(limiter.TryAcquire(T0.AddSeconds(29)));
        Assert.True(limiter.TryAcquire(T0.AddSeconds(30)));

        limiter.SetShare(0);
        Assert.False(limiter.TryAcquire(T0.AddHours(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.SetShare(1.5));
    }

    [Fact]
    public void A_per_node_limit_ignores_the_cluster_share()
    {
        var limiter = new RateLimiter(tracesPerSecond: 10, burst: 3);
        limiter.SetShare(0.1);
        Assert.Equal(1, limiter.Share);
        Assert.Equal(3, Enumerable.Range(0, 5).Count(_ => limiter.TryAcquire(T0)));
    }

    [Fact]
    public void A_long_pause_refills_no_more_than_the_burst()
    {
        var limiter = new RateLimiter(tracesPerSecond: 100, burst: 2);
        Assert.True(limiter.TryAcquire(T0));
        var later = T0.AddHours(1);
        Assert.True(limiter.TryAcquire(later));
        Assert.True(limiter.TryAcquire(later));
        Assert.False(limiter.TryAcquire(later));
    }

    [Fact]
    public void A_clock_stepping_back_credits_nothing()
    {
        var limiter = new RateLimiter(tracesPerSecond: 1, burst: 1);
        Assert.True(limiter.TryAcquire(T0.AddSeconds(10)));
        Assert.False(limiter.TryAcquire(T0));
        // The interval 0..10 s must not be credited now that the clock moved forward again.
        Assert.False(limiter.TryAcquire(T0.AddSeconds(10.5)));
        Assert.True(limiter.TryAcquire(T0.AddSeconds(11)));
    }

    [Fact]
    public void Concurrent_callers_never_get_more_than_the_tokens()
    {
        var limiter = new RateLimiter(tracesPerSecond: 1, burst: 100);
        var granted = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (limiter.TryAcquire(T0))
            {
                Interlocked.Increment(ref granted);
            }
        });
        Assert.Equal(100, granted);
        Assert.Equal(9_900, limiter.Denied);
    }

    [Fact]
    public void Nonsense_rates_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiter(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiter(double.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiter(1, 0.5));
    }
}
