namespace ActorTracing.Domain;

/// <summary>
/// The trim rule of the node's pools (<see cref="SharedBufferPool"/>,
/// <see cref="Completion.ChunkPool"/>): once per interval, whatever many callers ask, let go of
/// half of the free items that no one rented in the whole interval (the pool's low-water mark).
/// Half, not all: demand under steady load still varies from interval to interval, and a pool
/// trimmed to exactly the last interval's need allocates afresh at the next, slightly higher,
/// peak. The pools allocate on the pinned object heap, where every fresh array counts against a
/// budget whose overrun starts a background full collection — at 320k spans/s a pool trimmed to
/// the last interval's need allocated ~130 chunks in 25 s. Halving still gives a burst's memory
/// back: ~97 % of it within five intervals.
/// </summary>
internal static class UnusedTrim
{
    /// <summary>
    /// Whether a trim is due at <paramref name="nowTicks"/>, and if so claims it (the interval
    /// restarts): true for exactly one of the callers racing for the same interval.
    /// </summary>
    public static bool Claim(ref long lastTrimTicks, long nowTicks, long intervalTicks)
    {
        var last = Interlocked.Read(ref lastTrimTicks);
        return nowTicks - last >= intervalTicks
            && Interlocked.CompareExchange(ref lastTrimTicks, nowTicks, last) == last;
    }

    /// <summary>How many free items to let go: half (rounded up, so the last one goes too) of those unused through the interval.</summary>
    public static int ToLetGo(int lowWater, int free)
    {
        var unused = Math.Clamp(lowWater, 0, free);
        return unused - (unused / 2);
    }
}
