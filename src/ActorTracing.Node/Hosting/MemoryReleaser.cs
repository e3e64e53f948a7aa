using ActorTracing.Domain.Completion;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Node.Hosting;

/// <summary>
/// Asks the GC for memory back once a burst is over. The trace shards give back what a burst made
/// them grow (span slot pages, free arena chunks: trace.memory-trim-interval), but that only turns
/// it into free space in the GC's heap: the GC returns free space to the system as it sees fit,
/// and a node that went quiet after a burst runs no collection at all. Measured: an idle node
/// after 30 s at 300k spans/s held 489 MB committed for 140 MB of heap, for as long as it stayed
/// idle. So when the shards gave back at least <c>node.memory-release-threshold</c> over the last
/// <see cref="WindowChecks"/> trim intervals (a burst's end spreads over two or three: each trim
/// keeps what its interval's peak needed), the node starts one full background collection; the
/// GC then decommits the free regions over the next seconds. Background, not blocking: the
/// aggressive blocking collection (<see cref="GCCollectionMode.Aggressive"/>) returned the same
/// (committed 571 → 292 MB) but paused the node ~100 ms, and in the bench that pause landed in
/// the next measured run; the background one took committed 558 → 305 MB within 15 s with no
/// pause beyond the GC's usual (the low-load run's ack max 58 ms, against 68 ms with no
/// collection and 91–96 ms with the blocking one). A steady load's trickle of trimmed chunks
/// stays far below the threshold within the window. The JVM's periodic G1 collection
/// (G1PeriodicGCInterval) answers the same problem the same way.
/// </summary>
public sealed class MemoryReleaser : IDisposable
{
    private readonly Func<long> _slotsHeld;
    private readonly Func<long> _chunksTrimmed;
    private readonly long _thresholdBytes;
    private readonly Action _collect;
    private readonly ILogger? _log;
    private readonly Timer? _timer;
    /// <summary>Checks whose give-backs add up towards the threshold.</summary>
    public const int WindowChecks = 3;

    private readonly long[] _window = new long[WindowChecks];
    private long _checks;
    private long _lastSlots;
    private long _lastTrimmed;

    /// <param name="slotsHeld">Span slots the node's shards hold now.</param>
    /// <param name="chunksTrimmed">Arena chunks let go so far.</param>
    /// <param name="thresholdBytes">Given back within <see cref="WindowChecks"/> checks, this much or more calls <paramref name="collect"/>.</param>
    /// <param name="interval">How often to check (the shards' trim interval); null = only when <see cref="Check"/> is called.</param>
    public MemoryReleaser(Func<long> slotsHeld, Func<long> chunksTrimmed, long thresholdBytes, Action collect, TimeSpan? interval = null, ILogger? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thresholdBytes);
        _slotsHeld = slotsHeld;
        _chunksTrimmed = chunksTrimmed;
        _thresholdBytes = thresholdBytes;
        _collect = collect;
        _log = log;
        _lastSlots = slotsHeld();
        _lastTrimmed = chunksTrimmed();
        if (interval is { } every)
        {
            _timer = new Timer(_ => Check(), null, every, every);
        }
    }

    /// <summary>The node's releaser: the process's chunk pool, a full background collection, logged.</summary>
    public static MemoryReleaser Start(Func<long> slotsHeld, long thresholdBytes, TimeSpan interval, ILogger log) =>
        new(slotsHeld, () => ChunkPool.Shared.Trimmed, thresholdBytes, () => CollectInBackground(log), interval, log);

    /// <summary>Bytes given back since the last check (slot pages dropped, chunks let go).</summary>
    public static long GivenBack(long slotsBefore, long slotsNow, long chunksTrimmed) =>
        (Math.Max(0, slotsBefore - slotsNow) * SpanSlots.SlotBytes) + (chunksTrimmed * SpanArena.ChunkBytes);

    /// <summary>Compares with the last check; collects when enough was given back. Returns whether it did.</summary>
    public bool Check()
    {
        var slots = _slotsHeld();
        var trimmed = _chunksTrimmed();
        _window[_checks++ % WindowChecks] = GivenBack(_lastSlots, slots, trimmed - _lastTrimmed);
        _lastSlots = slots;
        _lastTrimmed = trimmed;
        var givenBack = _window.Sum();
        if (givenBack < _thresholdBytes)
        {
            return false;
        }
        // Counted once: the next collection needs another burst's worth.
        Array.Clear(_window);
        _log?.LogInformation("Trace shards gave back {GivenBackMb} MB of buffer memory in the last {Checks} trim intervals; collecting to return it to the system", givenBack >> 20, WindowChecks);
        _collect();
        return true;
    }

    private static void CollectInBackground(ILogger log)
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.Collect(2, GCCollectionMode.Forced, blocking: false, compacting: false);
        log.LogInformation(
            "Background collection started with {CommittedMb} MB committed; dotnet_gc_committed_bytes shows what the GC returns",
            before >> 20);
    }

    public void Dispose() => _timer?.Dispose();
}
