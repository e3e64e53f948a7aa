using System.Collections.Concurrent;
using System.Numerics;

namespace ActorTracing.Domain;

/// <summary>
/// The arrays behind <see cref="SharedBuffer"/>s: request bodies, rented by the OTLP receivers and
/// returned by whoever gives back the last share (usually a trace shard, on its own thread).
/// </summary>
public sealed class SharedBufferPool
{
    /// <summary>Bodies larger than this get arrays of their own, not pooled: an OTLP exporter's
    /// batch is tens of KB, and a few pooled arrays of the 4 MiB request limit would hold memory
    /// for requests that rarely come.</summary>
    public const int MaxPooledBytes = 1024 * 1024;

    /// <summary>
    /// How many bytes of free arrays a pool keeps per size unless told a count: 512 request bodies
    /// of 32 KiB, 4,096 kept traces of 4 KiB. A node at 320k spans/s has hundreds of bodies in flight
    /// at once when its trace shards fall behind for a moment (a GC pause, a busy core: each body
    /// waits until the shards its traces went to have run), and returns them in bursts. With 64
    /// arrays a size, each such wave overflowed the pool and the next rents found it empty: ~6 MB/s
    /// of fresh pinned arrays, and a background full collection every few seconds for the large and
    /// pinned heaps' budget (reason AllocLarge). What a burst leaves free is trimmed back
    /// (<see cref="TrimUnused"/>).
    /// </summary>
    public const int DefaultMaxFreeBytesPerSize = 16 * 1024 * 1024;

    // One queue of free arrays per power-of-two size from 4 KiB to MaxPooledBytes. Lock-free
    // queues, because bodies are rented on request threads and returned on shard threads: the
    // runtime's configurable pool spins on a lock per size and backs off with 1 ms sleeps, which
    // on two busy cores is a request waiting for a preempted thread.
    private const int MinPooledBits = 12;
    private readonly int[] _maxPerSize;
    private readonly bool _pinned;
    private static readonly int SizeCount = BitOperations.Log2(MaxPooledBytes) - MinPooledBits + 1;
    private readonly ConcurrentQueue<byte[]>[] _free = [.. Enumerable.Range(0, SizeCount).Select(_ => new ConcurrentQueue<byte[]>())];
    private readonly int[] _freeCounts = new int[SizeCount];

    // Per size, the fewest free arrays since the last trim (0 after a rent found none): that many
    // were never rented in the interval. Updated without a lock, so a race may misplace it by an
    // array or two — it only decides how many to let go.
    private readonly int[] _lowWater = new int[SizeCount];
    private long _lastTrimTicks;
    private long _allocated;
    private long _trimmed;
    private long _trimmedBytes;

    /// <summary>The receivers' pool.</summary>
    public static SharedBufferPool Requests { get; } = new();

    /// <summary>
    /// Kept traces' span bytes on their way from a trace shard to storage
    /// (<see cref="Completion.TraceBuffer.DetachBytes"/>), given back once their rows are written.
    /// </summary>
    public static SharedBufferPool KeptTraces { get; } = new();

    /// <param name="maxPerSize">Free arrays kept per size (more given back are left to the GC); by
    /// default as many as fit in <see cref="DefaultMaxFreeBytesPerSize"/>.</param>
    /// <param name="pinned">
    /// Whether fresh arrays go to the pinned object heap (see <see cref="Rent"/>). For a process
    /// with frequent young GCs — the node — they should; a process that runs with a gen0 budget
    /// it never fills — the load generator — should not: there a fresh array costs no young GC,
    /// while every pinned one counts against the budget of the large/pinned heaps, whose overrun
    /// starts a background full collection.
    /// </param>
    public SharedBufferPool(int? maxPerSize = null, bool pinned = true)
    {
        if (maxPerSize is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        }
        _maxPerSize = [.. Enumerable.Range(0, SizeCount).Select(size => maxPerSize ?? (DefaultMaxFreeBytesPerSize >> (size + MinPooledBits)))];
        _pinned = pinned;
    }

    /// <summary>Whether fresh arrays are allocated on the pinned object heap.</summary>
    public bool Pinned => _pinned;

    /// <summary>Arrays this pool has allocated for sizes it pools (reuses not counted), for diagnostics and tests.</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Free arrays let go by <see cref="TrimUnused"/> since the pool was made.</summary>
    public long Trimmed => Interlocked.Read(ref _trimmed);

    /// <summary>Their bytes: pinned memory a full collection can give back (the node's MemoryReleaser counts it).</summary>
    public long TrimmedBytes => Interlocked.Read(ref _trimmedBytes);

    /// <summary>
    /// Test aid: overwrite every returned array with 0xFF, so that spans read after their buffer
    /// went back fail to decode or compare instead of silently reading another request's bytes.
    /// The test assemblies that run the receivers set it on <see cref="Requests"/>; it costs a
    /// fill per request, so never in production.
    /// </summary>
    public bool PoisonReturned { get; set; }

    /// <summary>Arrays waiting for reuse, over every size (for diagnostics and tests).</summary>
    public int FreeCount
    {
        get
        {
            var total = 0;
            for (var i = 0; i < _freeCounts.Length; i++)
            {
                total += Volatile.Read(ref _freeCounts[i]);
            }
            return total;
        }
    }

    /// <summary>A buffer of exactly <paramref name="length"/> bytes, holding one share (the caller's).</summary>
    public SharedBuffer Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0 || length > MaxPooledBytes)
        {
            return new SharedBuffer(null, length == 0 ? [] : GC.AllocateUninitializedArray<byte>(length), length);
        }
        var size = SizeIndex(length);
        if (_free[size].TryDequeue(out var array))
        {
            var left = Interlocked.Decrement(ref _freeCounts[size]);
            if (left < Volatile.Read(ref _lowWater[size]))
            {
                Volatile.Write(ref _lowWater[size], left);
            }
        }
        else
        {
            Volatile.Write(ref _lowWater[size], 0);
            Interlocked.Increment(ref _allocated);
            // On the pinned object heap, as Kestrel allocates its pooled blocks: a pooled array
            // lives as long as the process, and a fresh one (the pool ran dry in a burst) would
            // otherwise be copied by the next young GC or two on its way to gen2 — a heap walk at
            // 220k spans/s found such arrays, waiting in the free queues, to be 1.5–3.5 of the
            // 1.5–3.7 MB a young GC would have kept. The pinned heap is collected with gen2 only.
            array = GC.AllocateUninitializedArray<byte>(1 << (size + MinPooledBits), pinned: _pinned);
        }
        return new SharedBuffer(this, array, length);
    }

    /// <summary>The smallest power-of-two size class holding <paramref name="length"/> bytes.</summary>
    private static int SizeIndex(int length) => Math.Max(0, BitOperations.Log2((uint)length - 1) + 1 - MinPooledBits);

    internal void Return(byte[] array)
    {
        if (PoisonReturned)
        {
            array.AsSpan().Fill(0xFF);
        }
        var size = SizeIndex(array.Length);
        if (Interlocked.Increment(ref _freeCounts[size]) <= _maxPerSize[size])
        {
            _free[size].Enqueue(array);
        }
        else
        {
            Interlocked.Decrement(ref _freeCounts[size]);
        }
    }

    /// <summary>
    /// Lets go of half of the free arrays of each size that nobody rented since the last trim
    /// (<see cref="UnusedTrim"/>), at most once per <paramref name="intervalTicks"/> however many
    /// callers ask: a burst's bodies are pinned memory the GC never gives back while the pool
    /// holds them. Returns the arrays let go (0 when the interval has not passed yet).
    /// </summary>
    public int TrimUnused(long nowTicks, long intervalTicks)
    {
        if (!UnusedTrim.Claim(ref _lastTrimTicks, nowTicks, intervalTicks))
        {
            return 0;
        }
        var letGo = 0;
        long bytes = 0;
        for (var size = 0; size < SizeCount; size++)
        {
            var count = UnusedTrim.ToLetGo(Volatile.Read(ref _lowWater[size]), Volatile.Read(ref _freeCounts[size]));
            for (var i = 0; i < count && _free[size].TryDequeue(out var array); i++)
            {
                Interlocked.Decrement(ref _freeCounts[size]);
                letGo++;
                bytes += array.Length;
            }
            Volatile.Write(ref _lowWater[size], Volatile.Read(ref _freeCounts[size]));
        }
        Interlocked.Add(ref _trimmed, letGo);
        Interlocked.Add(ref _trimmedBytes, bytes);
        return letGo;
    }

    /// <summary>Trims the node's two shared pools (<see cref="Requests"/>, <see cref="KeptTraces"/>); the trace shards call it with their own trim.</summary>
    public static int TrimShared(long nowTicks, long intervalTicks) =>
        Requests.TrimUnused(nowTicks, intervalTicks) + KeptTraces.TrimUnused(nowTicks, intervalTicks);
}
