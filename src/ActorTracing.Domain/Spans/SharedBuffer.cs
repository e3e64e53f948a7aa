namespace ActorTracing.Domain;

/// <summary>
/// A request body in a pooled array, shared by everything that holds spans decoded from it. The
/// decoded spans slice the array instead of copying it, so it may go back to its pool only when
/// the last holder is done: each holder takes a share (<see cref="Retain"/>) and gives it back
/// (<see cref="Release"/>) once it has copied what it keeps. A holder that never gives its share
/// back only costs the reuse (the array is left to the GC); one that gives it back early lets
/// another request overwrite spans still in use, which is why <see cref="SharedBufferPool.PoisonReturned"/>
/// exists for tests.
/// </summary>
/// <remarks>
/// Why pooled: request bodies were half of everything a node allocated (124 of 243 MB/s at 250k
/// spans/s over OTLP/HTTP, by dotnet-trace's allocation ticks), and so half of its young GCs,
/// although a body lives only until the trace shards have copied its spans into their arenas.
/// </remarks>
public sealed class SharedBuffer
{
    private readonly SharedBufferPool? _pool;
    private byte[]? _array;
    private readonly int _length;
    private int _shares = 1;

    internal SharedBuffer(SharedBufferPool? pool, byte[] array, int length)
    {
        _pool = pool;
        _array = array;
        _length = length;
    }

    public int Length => _length;

    /// <summary>The body's bytes; valid while the caller holds a share.</summary>
    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, _length);

    /// <summary>For the one who fills the buffer before sharing it.</summary>
    public Memory<byte> Writable => Array.AsMemory(0, _length);

    /// <summary>Shares still out; 0 once the array went back.</summary>
    public int Shares => Volatile.Read(ref _shares);

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(SharedBuffer), "every share of this buffer was given back");

    /// <summary>Takes one more share; the caller must hold one already.</summary>
    public void Retain()
    {
        if (Interlocked.Increment(ref _shares) <= 1)
        {
            throw new InvalidOperationException("a share was taken of a buffer already given back");
        }
    }

    /// <summary>Gives back one share; the last one returns the array to its pool.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _shares);
        if (left > 0)
        {
            return;
        }
        if (left < 0)
        {
            throw new InvalidOperationException("a share was given back twice");
        }
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            _pool?.Return(array);
        }
    }
}
