using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Node.Hosting;

/// <summary>
/// Asks the GC for memory back once a burst is over. The trace shards give back what a burst made
/// them grow (span slot pages, free arena chunks: trace.memory-trim-interval), but that only turns
/// it into free space in the GC's heap: the GC returns free space to the system as it sees fit,
/// and a node that went quiet after a burst runs no collection at all. Measured: an idle node
/// after 30 s at 300k spans/s held 489 MB committed for 140 MB of heap, for as long as it stayed
/// idle. So when the shards gave back a burst's worth after a drop in load (<see cref="GiveBackWindow"/>:
/// <c>node.memory-release-threshold</c> over the last few trim intervals), the node starts one
/// full background collection; the GC then decommits the free regions over the next seconds.
/// Background, not blocking: the aggressive blocking collection
/// (<see cref="GCCollectionMode.Aggressive"/>) returned the same (committed 571 → 292 MB) but
/// paused the node ~100 ms, and in the bench that pause landed in the next measured run; the
/// background one took committed 558 → 305 MB within 15 s (the low-load run's ack max 58 ms,
/// against 68 ms with no collection and 91–96 ms with the blocking one; in a full bench run its
/// pauses were 39 ms at most). The JVM's periodic G1 collection
/// (G1PeriodicGCInterval) answers the same problem the same way.
/// </summary>
public sealed class MemoryReleaser : IDisposable
{
    private readonly Func<long> _slotsHeld;
    private readonly Func<long> _pooledBytesTrimmed;
    private readonly GiveBackWindow _window;
    private readonly Action<long> _collect;
    private readonly Timer? _timer;

    /// <param name="slotsHeld">Span slots the node's shards hold now.</param>
    /// <param name="pooledBytesTrimmed">Bytes the pinned pools let go so far.</param>
    /// <param name="thresholdBytes">A burst's worth (see <see cref="GiveBackWindow"/>).</param>
    /// <param name="collect">Called with the bytes given back when they reach the threshold.</param>
    /// <param name="interval">How often to check (the shards' trim interval); null = only when <see cref="Check"/> is called.</param>
    public MemoryReleaser(Func<long> slotsHeld, Func<long> pooledBytesTrimmed, long thresholdBytes, Action<long> collect, TimeSpan? interval = null)
    {
        _slotsHeld = slotsHeld;
        _pooledBytesTrimmed = pooledBytesTrimmed;
        _window = new GiveBackWindow(thresholdBytes, slotsHeld(), pooledBytesTrimmed());
        _collect = collect;
        if (interval is { } every)
        {
            _timer = new Timer(_ => Check(), null, every, every);
        }
    }

    /// <summary>The node's releaser: the process's pinned pools (arena chunks, request bodies, kept traces' buffers), a full background collection, logged.</summary>
    public static MemoryReleaser Start(Func<long> slotsHeld, long thresholdBytes, TimeSpan interval, ILogger log) =>
        new(slotsHeld, PooledBytesTrimmed, thresholdBytes, givenBack => CollectInBackground(givenBack, log), interval);

    /// <summary>What the process's pinned pools let go so far: memory only a full collection frees.</summary>
    public static long PooledBytesTrimmed() =>
        PooledBytesTrimmed(ChunkPool.Shared, SharedBufferPool.Requests, SharedBufferPool.KeptTraces);

    /// <summary>What <paramref name="chunks"/> and <paramref name="pools"/> let go so far, in bytes.</summary>
    public static long PooledBytesTrimmed(ChunkPool chunks, params SharedBufferPool[] pools)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(pools);
        var bytes = chunks.Trimmed * SpanArena.ChunkBytes;
        foreach (var pool in pools)
        {
            bytes += pool.TrimmedBytes;
        }
        return bytes;
    }

    /// <summary>Reads the shards' buffers; collects when a burst's worth was given back. Returns whether it did.</summary>
    public bool Check()
    {
        var givenBack = _window.Record(_slotsHeld(), _pooledBytesTrimmed());
        if (givenBack == 0)
        {
            return false;
        }
        _collect(givenBack);
        return true;
    }

    private static void CollectInBackground(long givenBack, ILogger log)
    {
        log.LogInformation(
            "Trace shards and the pinned pools gave back {GivenBackMb} MB of buffer memory; starting a background collection with {CommittedMb} MB committed (dotnet_gc_committed_bytes shows what the GC returns)",
            givenBack >> 20,
            GC.GetGCMemoryInfo().TotalCommittedBytes >> 20);
        GC.Collect(2, GCCollectionMode.Forced, blocking: false, compacting: false);
    }

    public void Dispose() => _timer?.Dispose();
}
