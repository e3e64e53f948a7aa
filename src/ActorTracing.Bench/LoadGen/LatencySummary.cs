using ActorTracing.Workload;

namespace ActorTracing.Bench;

/// <summary>Percentiles of one latency histogram, in microseconds (what the JSON and the report carry).</summary>
public sealed record LatencySummary(long Count, double Mean, long P50, long P90, long P95, long P99, long P999, long Max)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary From(LatencyHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return new LatencySummary(
            histogram.Count,
            Math.Round(histogram.Mean, 1),
            histogram.P50,
            histogram.Percentile(90),
            histogram.P95,
            histogram.P99,
            histogram.Percentile(99.9),
            histogram.Max);
    }

    /// <summary>Summarises plain samples (microseconds) with the same histogram, so probe latencies read like ack latencies.</summary>
    public static LatencySummary FromSamples(IEnumerable<long> micros)
    {
        ArgumentNullException.ThrowIfNull(micros);
        var histogram = new LatencyHistogram();
        foreach (var value in micros)
        {
            histogram.Record(value);
        }
        return From(histogram);
    }
}
