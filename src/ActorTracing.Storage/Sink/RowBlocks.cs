namespace ActorTracing.Storage;

/// <summary>
/// Where kept traces wait for their batch, already encoded as RowBinary: blocks of a fixed size
/// that many traces' rows are appended to, reused once every range in them was written. A kept
/// trace used to wait up to flush-interval as objects (its spans, their detached OTLP bytes, its
/// summary); at 200k spans/s those were a large part of what survived each young GC, and the GC's
/// pauses are the ack latency's tail. Encoded, a trace is one small range into a block that lives
/// as long as the writer.
/// One appender (the writer's stream), any number of releasers (the batch writes).
/// </summary>
internal sealed class RowBlocks
{
    // 256 KiB: a block holds a few hundred kept spans, so a 1 s flush at 20k kept spans/s cycles a
    // few dozen blocks; a trace bigger than a block gets an array of its own.
    internal const int BlockBytes = 256 * 1024;

    // Free blocks kept for reuse (8 MiB); past that a released block is left to the GC, so a burst
    // does not pin its peak forever.
    private const int MaxFreeBlocks = 32;

    private readonly Stack<Block> _free = new();
    private readonly Lock _gate = new();
    private Block? _current;

    /// <summary>Blocks allocated so far (reused ones count once), for tests and diagnostics.</summary>
    public int BlocksAllocated { get; private set; }

    /// <summary>Copies <paramref name="bytes"/> into the current block (or a new one); the range stays valid until released.</summary>
    public RowRange Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return default;
        }
        if (bytes.Length > BlockBytes)
        {
            // One reference only (the range's): released, it goes to the GC, not to the free list.
            var own = new Block(bytes.Length, pooled: false) { Refs = 1, Used = bytes.Length };
            bytes.CopyTo(own.Bytes);
            return new RowRange(own, 0, bytes.Length);
        }
        var block = _current;
        if (block is null || BlockBytes - block.Used < bytes.Length)
        {
            if (block is not null)
            {
                // Sealed: the block's own reference goes; the last released range frees it.
                Release(block);
            }
            block = _current = Take();
        }
        var offset = block.Used;
        bytes.CopyTo(block.Bytes.AsSpan(offset));
        block.Used += bytes.Length;
        Interlocked.Increment(ref block.Refs);
        return new RowRange(block, offset, bytes.Length);
    }

    /// <summary>Gives a range back once its bytes were copied into a batch; safe from any thread, once per range.</summary>
    public void Release(RowRange range)
    {
        if (range.Block is { } block)
        {
            Release(block);
        }
    }

    private void Release(Block block)
    {
        if (Interlocked.Decrement(ref block.Refs) != 0 || !block.Pooled)
        {
            return;
        }
        lock (_gate)
        {
            if (_free.Count < MaxFreeBlocks)
            {
                _free.Push(block);
            }
        }
    }

    private Block Take()
    {
        lock (_gate)
        {
            if (_free.TryPop(out var reused))
            {
                // The current reference; Used is only touched by the appender.
                reused.Used = 0;
                reused.Refs = 1;
                return reused;
            }
        }
        BlocksAllocated++;
        return new Block(BlockBytes, pooled: true) { Refs = 1 };
    }

    internal sealed class Block(int size, bool pooled)
    {
        public readonly byte[] Bytes = new byte[size];
        public readonly bool Pooled = pooled;
        public int Used;
        public int Refs;
    }
}

/// <summary>Bytes of one trace in a <see cref="RowBlocks"/> block; default is empty.</summary>
internal readonly record struct RowRange(RowBlocks.Block? Block, int Offset, int Length)
{
    public ReadOnlySpan<byte> Span => Block is null ? default : Block.Bytes.AsSpan(Offset, Length);
}
