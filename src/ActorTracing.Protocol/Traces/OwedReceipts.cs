using System.Runtime.CompilerServices;

namespace ActorTracing.Protocol.Traces;

/// <summary>
/// A decided trace's receipts, owed once its kept spans are written (<see cref="TraceDecided.Receipts"/>).
/// </summary>
/// <remarks>
/// Most traces' spans come in one request, so most kept traces hold one receipt: it is kept
/// inline, and only two or more take an array. An array per kept trace lived until its storage
/// batch was written — a second or more — and was the largest thing the write-ahead log's
/// receipts still added to what young collections copied. For the same reason the receipts
/// travel to the storage callback as a state object and a number (<see cref="ToState"/>): a single
/// receipt is exactly its target and its id, so it costs nothing there either.
/// </remarks>
[CollectionBuilder(typeof(OwedReceipts), nameof(Create))]
public readonly struct OwedReceipts
{
    private readonly DeliveryReceipt _one;
    private readonly DeliveryReceipt[]? _all;

    private OwedReceipts(DeliveryReceipt one)
    {
        _one = one;
        Count = 1;
    }

    private OwedReceipts(DeliveryReceipt[] all)
    {
        _all = all;
        Count = all.Length;
    }

    /// <summary>None: the shard confirmed them itself, or there were none.</summary>
    public static OwedReceipts None => default;

    /// <summary>How many are owed.</summary>
    public int Count { get; }

    /// <summary>Whether none is owed.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>The receipt at <paramref name="index"/>.</summary>
    public DeliveryReceipt this[int index] =>
        (uint)index >= (uint)Count ? throw new ArgumentOutOfRangeException(nameof(index)) : _all is null ? _one : _all[index];

    /// <summary>One receipt.</summary>
    public static OwedReceipts Of(DeliveryReceipt one) => new(one);

    /// <summary>These receipts (the array is taken over, not copied).</summary>
    public static OwedReceipts Of(params DeliveryReceipt[] all)
    {
        ArgumentNullException.ThrowIfNull(all);
        return all.Length switch
        {
            0 => None,
            1 => new(all[0]),
            _ => new(all),
        };
    }

    /// <summary>For collection expressions (<c>[receipt]</c>).</summary>
    public static OwedReceipts Create(ReadOnlySpan<DeliveryReceipt> receipts) =>
        receipts.Length == 1 ? new(receipts[0]) : Of(receipts.ToArray());

    /// <summary>An object and a number standing for them, allocating nothing for one receipt (see <see cref="FromState"/>).</summary>
    public (object? State, long Value) ToState() => _all is { } all ? (all, 0) : Count == 0 ? (null, 0) : (_one.Target, _one.Id);

    /// <summary>What <see cref="ToState"/> gave.</summary>
    public static OwedReceipts FromState(object? state, long value) => state switch
    {
        null => None,
        DeliveryReceipt[] all => new(all),
        _ => new(DeliveryReceipt.FromTarget(state, value)),
    };

    /// <summary>A copy in an array (for tests and reports).</summary>
    public DeliveryReceipt[] ToArray()
    {
        var copy = new DeliveryReceipt[Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = this[i];
        }
        return copy;
    }

    /// <summary>Enumerates without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Enumerates an <see cref="OwedReceipts"/>.</summary>
    public struct Enumerator
    {
        private readonly OwedReceipts _receipts;
        private int _index;

        internal Enumerator(OwedReceipts receipts)
        {
            _receipts = receipts;
            _index = -1;
        }

        public readonly DeliveryReceipt Current => _receipts[_index];

        public bool MoveNext() => ++_index < _receipts.Count;
    }
}
