using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

/// <summary>The run's slowest requests with their due times: what lines the tail up with GC pauses.</summary>
public sealed class SlowestRequestsSpec
{
    [Fact]
    public void Keeps_the_slowest_requests_with_the_time_each_was_due()
    {
        var clock = new ManualClock();
        var slowest = new SlowestRequests(capacity: 3);
        long[] latencies = [500, 9_000, 100, 7_000, 8_000, 200, 9_500];
        foreach (var latency in latencies)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            slowest.Offer(latency, clock);
        }

        var kept = slowest.Slowest();
        Assert.Equal([9_500, 9_000, 8_000], kept.Select(r => r.LatencyMicros));
        // Due = acknowledged (the clock when offered) minus the latency: the 9,500 µs request was
        // acknowledged at 70 ms, so it was due at 60.5 ms.
        Assert.Equal((long)ManualClock.Epoch + 70_000_000L - 9_500_000L, kept[0].DueUnixNanos);
        Assert.Equal((long)ManualClock.Epoch + 20_000_000L - 9_000_000L, kept[1].DueUnixNanos);
    }

    [Fact]
    public void A_request_no_slower_than_the_fastest_kept_is_turned_away()
    {
        var clock = new ManualClock();
        var slowest = new SlowestRequests(capacity: 2);
        slowest.Offer(5_000, clock);
        slowest.Offer(6_000, clock);
        slowest.Offer(5_000, clock);
        slowest.Offer(4_000, clock);

        Assert.Equal([6_000, 5_000], slowest.Slowest().Select(r => r.LatencyMicros));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlowestRequests(0));
    }

    [Fact]
    public void Once_full_a_faster_request_is_turned_away_without_reading_the_clock()
    {
        // The send path's cost: nearly every request is faster than the slowest kept, and is turned
        // away on the floor alone — no clock read, no lock (the heap alone would read the clock first).
        var clock = new ManualClock();
        var slowest = new SlowestRequests(capacity: 2);
        slowest.Offer(5_000, clock);
        slowest.Offer(6_000, clock);
        Assert.Equal(2, clock.UnixReads);

        slowest.Offer(4_000, clock);
        slowest.Offer(5_000, clock);
        Assert.Equal(2, clock.UnixReads);

        slowest.Offer(7_000, clock);
        Assert.Equal(3, clock.UnixReads);
        Assert.Equal([7_000, 6_000], slowest.Slowest().Select(r => r.LatencyMicros));
    }
}
