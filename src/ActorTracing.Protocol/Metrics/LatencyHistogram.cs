namespace ActorTracing.Protocol.Metrics;

/// <summary>
/// A histogram of durations for /metrics. Buckets are Prometheus-style cumulative on read, but
/// stored per bucket so a write is one Interlocked increment: many threads record at once (trace
/// shards, request threads).
/// </summary>
public class LatencyHistogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _sumMicros;

    /// <param name="bounds">Upper bounds in seconds, strictly increasing; +Inf is added.</param>
    public LatencyHistogram(IReadOnlyList<double> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        _bounds = [.. bounds];
        if (_bounds.Length == 0 || _bounds.Zip(_bounds.Skip(1)).Any(p => p.First >= p.Second))
        {
            throw new ArgumentException("bounds must be non-empty and strictly increasing", nameof(bounds));
        }
        // The last slot counts observations above every bound (+Inf).
        _counts = new long[_bounds.Length + 1];
    }

    public IReadOnlyList<double> Bounds => _bounds;

    public void Observe(TimeSpan latency)
    {
        var seconds = Math.Max(0, latency.TotalSeconds);
        var i = Array.BinarySearch(_bounds, seconds);
        // le semantics: a value equal to a bound belongs to that bound's bucket.
        Interlocked.Increment(ref _counts[i >= 0 ? i : ~i]);
        Interlocked.Add(ref _sumMicros, (long)(seconds * 1_000_000));
    }

    /// <summary>A consistent-enough copy: cumulative counts per bound, then +Inf, and the sum in seconds.</summary>
    public (long[] Cumulative, double SumSeconds) Snapshot()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Interlocked.Read(ref _counts[i]);
            cumulative[i] = running;
        }
        return (cumulative, Interlocked.Read(ref _sumMicros) / 1_000_000.0);
    }
}
