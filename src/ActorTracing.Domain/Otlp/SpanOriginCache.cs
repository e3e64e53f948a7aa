namespace ActorTracing.Domain.Otlp;

/// <summary>
/// Interns <see cref="SpanOrigin"/>s across requests. A fleet exports from a few hundred distinct
/// resource/scope pairs, yet every request repeats them (the edge workload: 45 distinct origins,
/// ~9 resources of ~390 bytes per request of ~100 spans), and every buffered span pinned its
/// request's copy. With one shared instance per distinct origin the resource and scope bytes are
/// neither copied nor searched for service.name / cloud.region again, and consumers that cache
/// per origin instance (the row encoder, the sampler's resource lookups) hit across requests.
/// In sets of a few slots (<see cref="CacheSets"/>) and lock-free like <see cref="Utf8StringCache"/>:
/// a slot holds an immutable entry, reference writes are atomic, and a lost race only costs the
/// allocation it would have saved.
/// </summary>
internal static class SpanOriginCache
{
    private const int SlotCount = 4096;

    // Larger resources are rare and would let a client pin SlotCount large arrays; they are simply not shared.
    private const int MaxCachedBytes = 2048;

    private static readonly Entry?[] Slots = new Entry?[SlotCount];

    /// <summary>The first slot of the origin's set, or -1 when it is too large to share.</summary>
    public static int SlotOf(ReadOnlySpan<byte> resource, string resourceSchemaUrl, ReadOnlySpan<byte> scope, string scopeSchemaUrl)
    {
        if (resource.Length + scope.Length > MaxCachedBytes)
        {
            return -1;
        }
        var hash = new HashCode();
        hash.Add(Mix(resource));
        hash.Add(Mix(scope));
        hash.Add(resourceSchemaUrl);
        hash.Add(scopeSchemaUrl);
        return CacheSets.SetStart(hash.ToHashCode(), SlotCount);
    }

    // Eight bytes a step: HashCode.AddBytes mixes four at a time and was the larger part of a
    // lookup for resources of a few hundred bytes. Only picks a slot; equality is checked in full.
    private static ulong Mix(ReadOnlySpan<byte> bytes)
    {
        var h = (ulong)bytes.Length * 0x9E3779B97F4A7C15UL;
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (var word in words)
        {
            h = System.Numerics.BitOperations.RotateLeft(h ^ (word * 0xC2B2AE3D27D4EB4FUL), 31) * 0x9E3779B97F4A7C15UL;
        }
        foreach (var b in bytes[(words.Length * sizeof(ulong))..])
        {
            h = (h ^ b) * 0x100000001B3UL;
        }
        return h ^ (h >> 29);
    }

    public static bool TryGet(int slot, ReadOnlySpan<byte> resource, string resourceSchemaUrl, ReadOnlySpan<byte> scope, string scopeSchemaUrl, string defaultRegion, out SpanOrigin origin)
    {
        // A negative slot (too large to share) gives an empty range.
        for (var i = slot; i >= 0 && i < slot + CacheSets.Ways; i++)
        {
            var entry = Volatile.Read(ref Slots[i]);
            // The default region is part of the key: the origin's region falls back to it when the
            // resource has no cloud.region, so the same bytes received by another region differ.
            if (entry is not null
                && string.Equals(entry.DefaultRegion, defaultRegion, StringComparison.Ordinal)
                && string.Equals(entry.Origin.ResourceSchemaUrl, resourceSchemaUrl, StringComparison.Ordinal)
                && string.Equals(entry.Origin.ScopeSchemaUrl, scopeSchemaUrl, StringComparison.Ordinal)
                && resource.SequenceEqual(entry.Origin.Resource)
                && scope.SequenceEqual(entry.Origin.Scope))
            {
                origin = entry.Origin;
                return true;
            }
        }
        origin = null!;
        return false;
    }

    public static void Store(int slot, SpanOrigin origin, string defaultRegion)
    {
        if (slot >= 0)
        {
            CacheSets.Insert(Slots, slot, new Entry(origin, defaultRegion));
        }
    }

    private sealed class Entry(SpanOrigin origin, string defaultRegion)
    {
        public SpanOrigin Origin { get; } = origin;

        public string DefaultRegion { get; } = defaultRegion;
    }
}
