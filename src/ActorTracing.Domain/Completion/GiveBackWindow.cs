namespace ActorTracing.Domain.Completion;

/// <summary>
/// Decides when the trace shards have given back a burst's worth of buffer memory (span slot
/// pages dropped; arena chunks, request bodies and kept traces' buffers let go by the node's
/// pinned pools), so the node can ask the GC to return it to the system.
/// Counted over the last <see cref="Checks"/> trim intervals: a burst's end spreads over two or
/// three of them, since each trim keeps what its own interval's peak needed (in one measured run
/// 68 MB came back in one interval and the rest in the next). A steady load's trickle of trimmed
/// chunks stays far below the threshold within the window, and growth gives nothing back.
/// <para>
/// And the shards must now hold at most a quarter of the slots they held at the busiest reading of
/// the window: the load has dropped, not merely come back from a backlog. A node that fell ~2 s
/// behind at 230k spans/s grew its slots from ~470k to 904k spans and gave 82 MB back once the
/// backlog was decided (904k → 518k slots, the backlog's free chunks), with the load unchanged; a
/// full collection then runs on a machine that is busy with that load. A burst's end is a drop
/// (1,005k → 64k slots; the bench's drain between runs: to 0).
/// </para>
/// Not thread-safe: one caller (the node's timer).
/// </summary>
public sealed class GiveBackWindow
{
    /// <summary>Trim intervals whose give-backs add up towards the threshold.</summary>
    public const int Checks = 3;

    private readonly long _thresholdBytes;
    private readonly long[] _window = new long[Checks];

    // Slots held at the readings of the window and the one before it (the window's start).
    private readonly long[] _slotReadings = new long[Checks + 1];
    private long _recorded;
    private long _lastSlots;
    private long _lastTrimmed;

    /// <param name="thresholdBytes">Given back within <see cref="Checks"/> records, this much or more is a burst's worth.</param>
    /// <param name="slotsHeld">Span slots the shards hold now.</param>
    /// <param name="pooledBytesTrimmed">Bytes the pinned pools let go so far.</param>
    public GiveBackWindow(long thresholdBytes, long slotsHeld, long pooledBytesTrimmed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thresholdBytes);
        _thresholdBytes = thresholdBytes;
        _lastSlots = slotsHeld;
        _lastTrimmed = pooledBytesTrimmed;
        _slotReadings[0] = slotsHeld;
    }

    /// <summary>Bytes given back between two readings (slot pages dropped, pooled arrays let go).</summary>
    public static long GivenBack(long slotsBefore, long slotsNow, long pooledBytesTrimmed) =>
        (Math.Max(0, slotsBefore - slotsNow) * SpanSlots.SlotBytes) + pooledBytesTrimmed;

    /// <summary>
    /// Takes one interval's reading. Returns the bytes given back over the window when they reach
    /// the threshold after a drop in load — and starts counting afresh, so the next burst's worth
    /// is needed for the next one — or 0.
    /// </summary>
    public long Record(long slotsHeld, long pooledBytesTrimmed)
    {
        _window[_recorded % Checks] = GivenBack(_lastSlots, slotsHeld, pooledBytesTrimmed - _lastTrimmed);
        _slotReadings[++_recorded % (Checks + 1)] = slotsHeld;
        _lastSlots = slotsHeld;
        _lastTrimmed = pooledBytesTrimmed;
        var givenBack = _window.Sum();
        if (givenBack < _thresholdBytes || slotsHeld * 4 > _slotReadings.Max())
        {
            return 0;
        }
        Array.Clear(_window);
        return givenBack;
    }
}
