namespace ActorTracing.Admin;

/// <summary>
/// Histogram of the time from a trace's last span to its decision (what send-delay and
/// trace-timeout cost). Buckets are Prometheus-style cumulative on read, but stored per bucket so
/// a write is one Interlocked increment; many TraceActors record at once.
/// </summary>
public sealed class DecisionLatencyHistogram
{
    /// <summary>Upper bounds in seconds: send-delay (2 s) and trace-timeout (30 s) sit inside the range.</summary>
    public static readonly IReadOnlyList<double> DefaultBounds = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30, 60];

    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _sumMicros;

    public DecisionLatencyHistogram(IReadOnlyList<double>? bounds = null)
    {
        _bounds = (bounds ?? DefaultBounds).ToArray();
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
