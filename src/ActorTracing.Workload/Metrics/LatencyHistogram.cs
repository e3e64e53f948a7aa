using System.Numerics;

namespace ActorTracing.Workload;

/// <summary>
/// An HDR-style latency histogram in fixed memory: values below 256 are counted exactly, larger
/// ones in 128 logarithmic sub-buckets per power of two, so every percentile is within 0.8% of the
/// true value from microseconds to days. Recording is lock-free (concurrent senders share one);
/// reading while others record gives a slightly stale but consistent-enough view for a progress line.
/// </summary>
public sealed class LatencyHistogram
{
    private const int ExactBits = 8;
    private const int ExactCount = 1 << ExactBits;
    private const int SubBuckets = ExactCount / 2;
    private const int MaxMagnitude = 42;

    /// <summary>The largest value told apart; anything above is counted in the top bucket (its exact max is kept).</summary>
    public const long MaxTrackableValue = (1L << (MaxMagnitude + 1)) - 1;

    private static readonly int BucketCount = ExactCount + ((MaxMagnitude - ExactBits + 1) * SubBuckets);

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _sum;
    private long _max;
    private long _min = long.MaxValue;

    public long Count => Volatile.Read(ref _count);

    /// <summary>The largest value recorded, exactly (0 when empty).</summary>
    public long Max => Volatile.Read(ref _max);

    /// <summary>The smallest value recorded, exactly (0 when empty).</summary>
    public long Min => Count == 0 ? 0 : Volatile.Read(ref _min);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public long P50 => Percentile(50);

    public long P95 => Percentile(95);

    public long P99 => Percentile(99);

    /// <summary>Records one value; negative values (a clock stepping back) count as 0.</summary>
    public void Record(long value)
    {
        if (value < 0)
        {
            value = 0;
        }
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, value);
        UpdateMax(value);
        UpdateMin(value);
    }

    /// <summary>Adds every value recorded in <paramref name="other"/> to this histogram.</summary>
    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return;
        }
        for (var i = 0; i < BucketCount; i++)
        {
            var c = Volatile.Read(ref other._counts[i]);
            if (c != 0)
            {
                Interlocked.Add(ref _counts[i], c);
            }
        }
        Interlocked.Add(ref _count, other.Count);
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        UpdateMax(other.Max);
        UpdateMin(other.Min);
    }

    /// <summary>
    /// The smallest recorded value (to bucket precision) that at least <paramref name="percentile"/>%
    /// of the recorded values are less than or equal to; 0 when empty. Reports a bucket's highest
    /// value, never more than <see cref="Max"/>, so a percentile never understates a latency.
    /// </summary>
    public long Percentile(double percentile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }
        if (percentile >= 100)
        {
            return Max;
        }
        var target = Math.Max(1, (long)Math.Ceiling(Math.Max(percentile, 0) / 100.0 * total));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= target)
            {
                return Math.Min(HighestEquivalent(i), Max);
            }
        }
        return Max;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        Volatile.Write(ref _count, 0);
        Volatile.Write(ref _sum, 0);
        Volatile.Write(ref _max, 0);
        Volatile.Write(ref _min, long.MaxValue);
    }

    internal static int IndexOf(long value)
    {
        if (value < ExactCount)
        {
            return (int)value;
        }
        if (value > MaxTrackableValue)
        {
            return BucketCount - 1;
        }
        var magnitude = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = magnitude - (ExactBits - 1);
        var sub = (int)(value >> shift) - SubBuckets;
        return ExactCount + ((magnitude - ExactBits) * SubBuckets) + sub;
    }

    internal static long HighestEquivalent(int index)
    {
        if (index < ExactCount)
        {
            return index;
        }
        var magnitude = ((index - ExactCount) / SubBuckets) + ExactBits;
        var sub = (index - ExactCount) % SubBuckets;
        var shift = magnitude - (ExactBits - 1);
        return ((long)(SubBuckets + sub) << shift) + (1L << shift) - 1;
    }

    private void UpdateMax(long value)
    {
        var current = Volatile.Read(ref _max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    private void UpdateMin(long value)
    {
        var current = Volatile.Read(ref _min);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
