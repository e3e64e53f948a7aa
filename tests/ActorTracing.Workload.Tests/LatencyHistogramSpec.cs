using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

public sealed class LatencyHistogramSpec
{
    [Fact]
    public void Percentiles_of_small_values_are_exact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(50, histogram.P50);
        Assert.Equal(95, histogram.P95);
        Assert.Equal(99, histogram.P99);
        Assert.Equal(100, histogram.Max);
        Assert.Equal(1, histogram.Min);
        Assert.Equal(100, histogram.Count);
        Assert.Equal(50.5, histogram.Mean, 6);
    }

    [Fact]
    public void Percentiles_of_large_values_are_within_one_percent_and_never_below_the_truth()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 1_000_000; v += 1)
        {
            histogram.Record(v * 7L);
        }

        foreach (var (p, truth) in new[] { (50.0, 3_500_000L), (95.0, 6_650_000L), (99.0, 6_930_000L) })
        {
            var reported = histogram.Percentile(p);
            Assert.InRange(reported, truth, (long)(truth * 1.01));
        }
        Assert.Equal(7_000_000, histogram.Max);
    }

    [Fact]
    public void Merging_gives_the_same_percentiles_as_recording_into_one()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var both = new LatencyHistogram();
        var random = new Random(5);
        for (var i = 0; i < 50_000; i++)
        {
            var v = (long)Math.Exp(random.NextDouble() * 16);
            (i % 2 == 0 ? a : b).Record(v);
            both.Record(v);
        }

        a.Merge(b);

        Assert.Equal(both.Count, a.Count);
        Assert.Equal(both.Max, a.Max);
        Assert.Equal(both.Min, a.Min);
        foreach (var p in new[] { 1.0, 50, 90, 95, 99, 99.9 })
        {
            Assert.Equal(both.Percentile(p), a.Percentile(p));
        }
    }

    [Fact]
    public void Buckets_tile_the_value_range_without_gaps_or_overlap()
    {
        var previousIndex = 0;
        var previousHighest = 0L;
        for (var v = 1L; v < 2_000_000; v++)
        {
            var index = LatencyHistogram.IndexOf(v);
            if (index != previousIndex)
            {
                // A new bucket starts exactly one past where the previous one ended.
                Assert.Equal(previousIndex + 1, index);
                Assert.Equal(previousHighest + 1, v);
                previousIndex = index;
                previousHighest = LatencyHistogram.HighestEquivalent(index);
            }
            Assert.InRange(previousHighest - v, 0, v / 128);
        }
        foreach (var v in new[] { 1L << 30, (1L << 40) + 12345, LatencyHistogram.MaxTrackableValue })
        {
            var highest = LatencyHistogram.HighestEquivalent(LatencyHistogram.IndexOf(v));
            Assert.InRange(highest - v, 0, v / 128);
        }
    }

    [Fact]
    public void An_empty_histogram_reports_zero_and_negative_values_count_as_zero()
    {
        var histogram = new LatencyHistogram();
        Assert.Equal(0, histogram.P99);
        Assert.Equal(0, histogram.Max);

        histogram.Record(-5);

        Assert.Equal(0, histogram.P50);
        Assert.Equal(1, histogram.Count);
    }
}
