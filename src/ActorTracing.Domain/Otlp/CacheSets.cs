namespace ActorTracing.Domain.Otlp;

/// <summary>
/// The slot arrays of the decoder's lock-free caches (<see cref="Utf8StringCache"/>,
/// <see cref="SpanOriginCache"/>) in sets of <see cref="Ways"/>: a key may sit in any slot of the
/// set its hash picks, the newest first. They were direct-mapped, and since string hashes are
/// seeded per process, in some runs two hot keys shared a slot and evicted each other on every
/// span: a heap dump at 220k spans/s found one span name ("SELECT products") as a fresh string in
/// 4,440 buffered spans, each stored into an old slot page (a dirty card for the next young GC)
/// and kept alive there for the send-delay; the node's young GCs took ~5 ms in such runs and
/// ~1.7 ms in the others. With four ways, five hot keys must share a set for that to happen.
/// </summary>
internal static class CacheSets
{
    public const int Ways = 4;

    /// <summary>The first slot of the set <paramref name="hash"/> picks among <paramref name="slotCount"/> slots (a power of two).</summary>
    public static int SetStart(int hash, int slotCount) => hash & (slotCount - 1) & ~(Ways - 1);

    /// <summary>
    /// Puts <paramref name="entry"/> first in its set, moving the others one slot down and
    /// dropping the last (the least recently inserted). Not atomic: racing inserts may drop or
    /// duplicate an entry, which only costs a later miss; every slot always holds a whole entry.
    /// </summary>
    public static void Insert<T>(T?[] slots, int start, T entry)
        where T : class
    {
        for (var i = start + Ways - 1; i > start; i--)
        {
            Volatile.Write(ref slots[i], Volatile.Read(ref slots[i - 1]));
        }
        Volatile.Write(ref slots[start], entry);
    }
}
