namespace ActorTracing.Domain.Otlp;

/// <summary>
/// A small, bounded, lossy cache from UTF-8 bytes to strings. Span names, service names and
/// regions repeat across millions of spans; without it each buffered span would carry its own
/// copy of the same name. Fixed sets of slots (<see cref="CacheSets"/>: a few entries per set,
/// newest first) so it never grows and needs no lock: a slot holds an immutable entry and
/// reference writes are atomic, so racing threads at worst replace each other's entry and
/// allocate a string the cache would have saved.
/// </summary>
internal static class Utf8StringCache
{
    private const int SlotCount = 8192;

    // Longer strings are rarely repeated names (they are ids, SQL, URLs); caching them would let
    // a client pin up to SlotCount large strings for nothing.
    private const int MaxCachedBytes = 128;

    private static readonly Entry?[] Slots = new Entry?[SlotCount];

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }
        if (utf8.Length > MaxCachedBytes)
        {
            return OtlpAnyValue.ReadUtf8(utf8);
        }
        var start = SetOf(utf8);
        for (var i = start; i < start + CacheSets.Ways; i++)
        {
            var entry = Volatile.Read(ref Slots[i]);
            if (entry is not null && utf8.SequenceEqual(entry.Utf8))
            {
                return entry.Value;
            }
        }
        var value = OtlpAnyValue.ReadUtf8(utf8);
        CacheSets.Insert(Slots, start, new Entry(utf8.ToArray(), value));
        return value;
    }

    /// <summary>The first slot of the set <paramref name="utf8"/> belongs to (for specs).</summary>
    internal static int SetOf(ReadOnlySpan<byte> utf8)
    {
        var hash = new HashCode();
        hash.AddBytes(utf8);
        return CacheSets.SetStart(hash.ToHashCode(), SlotCount);
    }

    private sealed class Entry(byte[] utf8, string value)
    {
        public byte[] Utf8 { get; } = utf8;

        public string Value { get; } = value;
    }
}
