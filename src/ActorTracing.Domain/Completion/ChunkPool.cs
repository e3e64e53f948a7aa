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
    // released in bursts as decisions come due. Past the bound a chunk is left to the GC, so a
    // burst does not keep its peak forever.
    public const int DefaultMaxFreeChunks = 2048;

    private readonly Stack<SpanArena.Chunk> _free = new();
    private readonly Lock _gate = new();
    private readonly int _maxFree;
    private long _allocated;

    public ChunkPool(int maxFreeChunks = DefaultMaxFreeChunks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFreeChunks);
        _maxFree = maxFreeChunks;
    }

    public static ChunkPool Shared { get; } = new();

    /// <summary>Chunks this pool has allocated (reuses not counted), for diagnostics and tests.</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

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
            if (_free.TryPop(out var chunk))
            {
                return chunk;
            }
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
                _free.Push(chunk);
            }
        }
    }
}
