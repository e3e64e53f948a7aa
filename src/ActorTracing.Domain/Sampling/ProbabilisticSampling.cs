namespace ActorTracing.Domain.Sampling;

/// <summary>
/// Deterministic coin flips by trace id: a trace is kept at probability p when its 64-bit hash is
/// below p·2^64. Every node computes the same hash (<see cref="TraceId.StableHash"/>), so every
/// node, every retry and every late fragment gets the same answer without coordination.
/// </summary>
public static class ProbabilisticSampling
{
    private const double TwoPow64 = 18446744073709551616.0;

    /// <summary>The hash bound for probability <paramref name="probability"/>; hashes below it are kept.</summary>
    public static ulong Threshold(double probability)
    {
        if (double.IsNaN(probability) || probability <= 0)
        {
            return 0;
        }
        var scaled = probability * TwoPow64;
        // A double cast at or above 2^64 is not representable; treat as "everything".
        return scaled >= TwoPow64 ? ulong.MaxValue : (ulong)scaled;
    }

    /// <summary>The hash a rule compares: the trace's stable hash, re-mixed with the salt when there is one.</summary>
    public static ulong Hash(TraceId traceId, ulong salt)
        => salt == 0 ? traceId.StableHash() : Mix(traceId.StableHash() ^ salt);

    /// <summary>Whether a trace is kept at <paramref name="probability"/> (salt 0 = unsalted).</summary>
    public static bool Keeps(TraceId traceId, double probability, ulong salt = 0)
        => probability >= 1 || Hash(traceId, salt) < Threshold(probability);

    /// <summary>How many traces one kept trace stands for: 1/p rounded, at least 1.</summary>
    public static uint SampleRate(double probability)
    {
        if (double.IsNaN(probability) || probability <= 0)
        {
            return 0;
        }
        var rate = Math.Round(1 / probability, MidpointRounding.AwayFromZero);
        return rate >= uint.MaxValue ? uint.MaxValue : (uint)Math.Max(1, rate);
    }

    /// <summary>
    /// A stable 64-bit salt for a string: FNV-1a over its UTF-8 bytes, then mixed. Not
    /// <see cref="string.GetHashCode()"/>, which is randomized per process and would make nodes
    /// disagree. Empty gives 0 (unsalted).
    /// </summary>
    public static ulong Salt(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return 0;
        }
        const ulong offset = 0xCBF29CE484222325UL;
        const ulong prime = 0x100000001B3UL;
        var hash = offset;
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            var written = rune.EncodeToUtf8(buffer);
            for (var i = 0; i < written; i++)
            {
                hash = (hash ^ buffer[i]) * prime;
            }
        }
        var mixed = Mix(hash);
        // 0 means "unsalted"; a salt that happens to mix to 0 must still salt.
        return mixed == 0 ? 1 : mixed;
    }

    private static ulong Mix(ulong x)
    {
        // splitmix64 finalizer: XOR-ing a salt into an already mixed hash keeps it uniform but
        // correlated across salts; re-mixing decorrelates them.
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
