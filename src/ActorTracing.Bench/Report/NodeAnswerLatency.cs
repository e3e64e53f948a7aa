using System.Globalization;

namespace ActorTracing.Bench;

/// <summary>
/// How long the node's receiver took to answer the requests of one latency run (its
/// actortracing_ingest_request_duration_seconds histogram, the difference of two samples): the
/// part of the ack latency the node sees of itself. The rest waited outside its handler — in the
/// socket while the node was paused for GC, for a thread, in the generator — and that split says
/// which side a tail comes from. Quantiles are interpolated within the histogram's buckets, as
/// Prometheus' histogram_quantile does, so they are as fine as the buckets (0.1 ms to 10 s).
/// </summary>
/// <param name="Requests">Requests answered in the window.</param>
public sealed record NodeAnswerLatency(long Requests, double P50Ms, double P99Ms, double P999Ms)
{
    /// <summary>The answers between two cumulative bucket readings, or null when either is missing or nothing was answered.</summary>
    public static NodeAnswerLatency? Between(IReadOnlyList<long>? before, IReadOnlyList<long>? after, IReadOnlyList<double> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        if (before is null || after is null || after.Count != bounds.Count + 1 || before.Count != after.Count)
        {
            return null;
        }
        var window = new long[after.Count];
        for (var i = 0; i < window.Length; i++)
        {
            window[i] = after[i] - before[i];
        }
        if (window[^1] <= 0)
        {
            return null;
        }
        double Ms(double q) => Math.Round(Quantile(window, bounds, q) * 1000, 3);
        return new NodeAnswerLatency(window[^1], Ms(0.5), Ms(0.99), Ms(0.999));
    }

    /// <summary>
    /// The <paramref name="q"/> quantile in seconds of cumulative counts per bound (then +Inf):
    /// linear within the bucket the rank falls in, starting from 0 for the first; a rank in the
    /// +Inf bucket gives the highest bound (all that is known of it).
    /// </summary>
    internal static double Quantile(IReadOnlyList<long> cumulative, IReadOnlyList<double> bounds, double q)
    {
        var rank = q * cumulative[^1];
        for (var i = 0; i < bounds.Count; i++)
        {
            if (cumulative[i] >= rank)
            {
                var (lower, below) = i == 0 ? (0.0, 0L) : (bounds[i - 1], cumulative[i - 1]);
                var inBucket = cumulative[i] - below;
                return inBucket == 0 ? lower : lower + ((bounds[i] - lower) * (rank - below) / inBucket);
            }
        }
        return bounds[^1];
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"p50 {P50Ms:0.###} ms, p99 {P99Ms:0.###} ms, p99.9 {P999Ms:0.###} ms of {Requests:N0} requests");
}
