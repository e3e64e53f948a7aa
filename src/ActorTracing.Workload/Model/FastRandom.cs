namespace ActorTracing.Workload;

/// <summary>
/// xoshiro256** seeded through splitmix64. The model needs a generator that is deterministic for
/// a seed on every runtime version (System.Random's seeded algorithm is an implementation detail)
/// and costs a few nanoseconds per draw, since it is called several times per generated span.
/// Not thread-safe: each model owns one.
/// </summary>
internal sealed class FastRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public FastRandom(long seed)
    {
        var x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public ulong NextULong()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A non-zero value: OTLP treats all-zero ids as invalid.</summary>
    public ulong NextNonZero()
    {
        ulong v;
        do
        {
            v = NextULong();
        }
        while (v == 0);
        return v;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, maxExclusive).</summary>
    public int Next(int maxExclusive) => (int)((NextULong() >> 32) * (ulong)maxExclusive >> 32);

    /// <summary>Uniform in [min, maxInclusive].</summary>
    public int Next(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    /// <summary>Uniform in [min, maxInclusive].</summary>
    public long NextLong(long min, long maxInclusive) => min + (long)(NextDouble() * (maxInclusive - min + 1));

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(T[] items) => items[Next(items.Length)];

    /// <summary>A standard normal draw (Box-Muller); used once per trace for durations, not per span.</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
