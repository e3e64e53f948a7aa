namespace ActorTracing.Domain.Completion;

/// <summary>
/// Where a trace shard keeps the OTLP bytes of the spans it buffers. Spans arrive as slices of
/// their export request's body (or of the cluster message that carried them): holding those
/// slices pinned each whole body — resource and scope envelopes, and the spans of every other
/// trace in it — for as long as any of its traces stayed open, and made every body survive into
/// the old GC generations with the trace. Copying each span's bytes into shared 32 KiB chunks
/// frees the body as soon as its traces are appended, keeps only the span bytes themselves, and
/// the chunks come from (and go back to) a pool instead of being garbage (<see cref="ChunkPool"/>).
/// <para>
/// Not thread-safe: owned by one shard actor. A chunk goes back to the pool once every span
/// copied into it has been released (<see cref="Release"/>); a trace is released when it is
/// decided, after the spans of a kept trace were moved out (they outlive the decision on their
/// way to storage).
/// </para>
/// </summary>
public sealed class SpanArena
{
    public const int ChunkBytes = 32 * 1024;

    // Bigger spans get an array of their own: one would waste most of a chunk's tail. Chunks are
    // small because every shard has one partly filled: 100 shards × 32 KiB is 3 MiB per node.
    private const int MaxArenaSpanBytes = ChunkBytes / 8;

    private readonly ChunkPool _pool;
    private Chunk? _current;
    private long _chunksRented;

    /// <param name="pool">Where chunks come from; every shard of a node shares <see cref="ChunkPool.Shared"/>.</param>
    public SpanArena(ChunkPool? pool = null)
    {
        _pool = pool ?? ChunkPool.Shared;
    }

    /// <summary>Where this arena's chunks come from and go back to.</summary>
    public ChunkPool Pool => _pool;

    /// <summary>The attribute keys numbered for the compact span bytes in this arena (<see cref="CompactSpan"/>).</summary>
    public SpanKeyTable Keys { get; } = new();

    /// <summary>Chunks rented and not yet returned (for diagnostics and tests).</summary>
    public long ChunksInUse => _chunksRented;

    /// <summary>Copies <paramref name="raw"/> into the arena; the returned chunk (null if it got its own array) must be released once.</summary>
    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> raw, out Chunk? chunk)
    {
        if (raw.Length > MaxArenaSpanBytes)
        {
            chunk = null;
            return raw.ToArray();
        }
        var current = _current;
        if (current is null || current.Used + raw.Length > current.Bytes.Length)
        {
            if (current is not null)
            {
                current.Retired = true;
                if (current.Live == 0)
                {
                    Return(current);
                }
            }
            current = _current = _pool.Rent();
            _chunksRented++;
        }
        var memory = new Memory<byte>(current.Bytes, current.Used, raw.Length);
        raw.CopyTo(memory.Span);
        current.Used += raw.Length;
        current.Live++;
        chunk = current;
        return memory;
    }

    /// <summary>Releases one span copied into <paramref name="chunk"/>.</summary>
    public void Release(Chunk chunk)
    {
        chunk.Live--;
        if (chunk.Live > 0)
        {
            return;
        }
        if (chunk.Retired)
        {
            Return(chunk);
        }
        else
        {
            // The current chunk emptied: nothing refers to its bytes any more, start it over.
            chunk.Used = 0;
        }
    }

    private void Return(Chunk chunk)
    {
        _pool.Return(chunk);
        _chunksRented--;
    }

    public sealed class Chunk
    {
        internal Chunk(byte[] bytes) => Bytes = bytes;

        internal byte[] Bytes { get; }

        internal int Used { get; set; }

        internal int Live { get; set; }

        internal bool Retired { get; set; }
    }
}
