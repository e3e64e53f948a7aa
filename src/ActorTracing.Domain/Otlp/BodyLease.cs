using System.Buffers;

namespace ActorTracing.Domain.Otlp;

/// <summary>
/// An export request's body in a pooled array, shared by the spans decoded from it (they are
/// slices of it) until each trace shard that got some copied them into its arena. A fresh array
/// per request was ~40 % of a busy node's young garbage. Counted: the receiver holds one
/// reference, every message that hands spans to a consumer that will <see cref="Release"/> them
/// adds one; the array goes back to the pool with the last. A holder that never releases only
/// leaves the array to the GC — safe; releasing while spans are still read is not, so only code
/// that has copied the bytes (or will never read them) releases.
/// </summary>
public sealed class BodyLease
{
    private byte[]? _array;
    private int _references = 1;

    private BodyLease(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    /// <summary>The body's length (the pooled array may be longer).</summary>
    public int Length { get; }

    /// <summary>The array while leased: read the body into it, decode from <see cref="Memory"/>.</summary>
    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(BodyLease), "the body was released");

    public ReadOnlyMemory<byte> Memory => new(Array, 0, Length);

    /// <summary>Whether the array went back to the pool (for tests and diagnostics).</summary>
    public bool Returned => Volatile.Read(ref _array) is null;

    /// <summary>A lease on a pooled array of at least <paramref name="length"/> bytes; the caller holds the first reference.</summary>
    public static BodyLease Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new BodyLease(ArrayPool<byte>.Shared.Rent(length), length);
    }

    /// <summary>One more holder; before the spans are handed to it.</summary>
    public void AddReference()
    {
        // Never from 0: the array may already be someone else's request.
        int current;
        do
        {
            current = Volatile.Read(ref _references);
            if (current <= 0)
            {
                throw new InvalidOperationException("the body was already released");
            }
        }
        while (Interlocked.CompareExchange(ref _references, current + 1, current) != current);
    }

    /// <summary>A holder is done with the body; the last one gives the array back.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left > 0)
        {
            return;
        }
        if (left < 0)
        {
            Interlocked.Increment(ref _references);
            throw new InvalidOperationException("the body was released more often than it was referenced");
        }
        ArrayPool<byte>.Shared.Return(Interlocked.Exchange(ref _array, null)!);
    }
}
