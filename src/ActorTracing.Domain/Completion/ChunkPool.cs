namespace ActorTracing.Domain.Completion;

/// <summary>
/// The chunks of every <see cref="SpanArena"/> of a process. A chunk lives as long as the traces
/// whose bytes it holds (send-delay and more), so a chunk that is new garbage-collector memory
/// survives young collections and is copied into the old generation: with the shared array pool
/// (32 arrays per core) most of a busy node's ~1,000 chunks a second were new arrays, and copying
/// them was most of what every young-GC pause copied (~30 MB each at 240k spans/s). Here chunks
/// are allocated on the pinned object heap, which young collections never copy, and kept for
/// reuse. Thread-safe: shards rent and return from their own threads.
/// </summary>
public sealed class ChunkPool
{
    // 64 MiB of free chunks kept at most: a node at 300k spans/s cycles ~45 MB of chunks a second,
    // released in bursts as decisions come due. Past the bound a chunk is left to the GC; below
    // it, half of the chunks that sat unused through a whole trim interval are let go (TrimUnused).
    public const int DefaultMaxFreeChunks = 2048;

    // Used as a stack (rent and return at the end: the chunk rented next is the one returned last,
    // still in the CPU's caches); a trim lets go from the start, the chunks returned longest ago.
    private readonly List<SpanArena.Chunk> _free = [];
    private readonly Lock _gate = new();
    private readonly int _maxFree;
    private long _allocated;

    // The fewest free chunks since the last trim: that many were never rented in the interval.
    private int _lowWater;
    private long _lastTrimTicks;
    private long _trimmed;

    public ChunkPool(int maxFreeChunks = DefaultMaxFreeChunks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFreeChunks);
        _maxFree = maxFreeChunks;
    }

    public static ChunkPool Shared { get; } = new();

    /// <summary>Chunks this pool has allocated (reuses not counted), for diagnostics and tests.</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Free chunks let go by <see cref="TrimUnused"/> since the pool was made.</summary>
    public long Trimmed => Interlocked.Read(ref _trimmed);

    /// <summary>Free chunks waiting for reuse.</summary>
    public int FreeCount
    {
        get
        {
            lock (_gate)
            {
                return _free.Count;
            }
        }
    }

    internal SpanArena.Chunk Rent()
    {
        lock (_gate)
        {
            if (_free.Count > 0)
            {
                var chunk = _free[^1];
                _free.RemoveAt(_free.Count - 1);
                _lowWater = Math.Min(_lowWater, _free.Count);
                return chunk;
            }
            _lowWater = 0;
        }
        Interlocked.Increment(ref _allocated);
        return new SpanArena.Chunk(GC.AllocateUninitializedArray<byte>(SpanArena.ChunkBytes, pinned: true));
    }

    /// <summary>Takes back a chunk nothing refers to any more (no live span in it).</summary>
    internal void Return(SpanArena.Chunk chunk)
    {
        chunk.Used = 0;
        chunk.Live = 0;
        chunk.Retired = false;
        lock (_gate)
        {
            if (_free.Count < _maxFree)
            {
                _free.Add(chunk);
            }
        }
    }

    /// <summary>
    /// Lets go of half of the free chunks no arena needed since the last trim — the pool's fewest
    /// free chunks in that time (<see cref="UnusedTrim"/>) — at most once per
    /// <paramref name="intervalTicks"/> however many shards call it. Chunks are on the pinned object
    /// heap, which the GC only gives back to the system whole regions at a time, so a burst's
    /// chunks are worth dropping once the burst is over. Returns the chunks let go (0 when the
    /// interval has not passed yet).
    /// </summary>
    public int TrimUnused(long nowTicks, long intervalTicks)
    {
        // Every shard calls this each interval and all but the first find it claimed: they return
        // here, without the lock that renting and returning chunks take.
        if (!UnusedTrim.Claim(ref _lastTrimTicks, nowTicks, intervalTicks))
        {
            return 0;
        }
        lock (_gate)
        {
            // The coldest go: the low-water mark says how many were never rented, not which, and
            // the ones at the bottom of the stack are those (nothing rented reached them).
            var letGo = UnusedTrim.ToLetGo(_lowWater, _free.Count);
            _free.RemoveRange(0, letGo);
            _lowWater = _free.Count;
            _trimmed += letGo;
            return letGo;
        }
    }
}
