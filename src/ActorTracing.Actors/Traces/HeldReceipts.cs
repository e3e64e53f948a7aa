using ActorTracing.Protocol.Traces;

namespace ActorTracing.Actors.Traces;

/// <summary>
/// The receipts a shard's open traces hold until they are decided, in two arrays the shard
/// owns: each trace keeps only the index of its newest receipt (<c>head</c>), and each slot the
/// index of the one before. Not thread-safe: one shard actor uses it.
/// </summary>
/// <remarks>
/// Receipts are values (<see cref="DeliveryReceipt"/>), so a slot holds one whole and the array
/// points only at what they name: the request's wait (pooled, old) or another node's ingest.
/// A trace held its receipts in a list of its own before. Trace buffers are pooled, so they and
/// their lists are old (gen2), while receipts are young: every held receipt was an old-to-young
/// reference a young GC has to find through the card table. With a receipt on every message —
/// the OTLP write-ahead log or Kafka waiting for decisions — that was ~110k scattered lists at
/// 200k spans/s, and young GCs of 40-100 ms. Here the references sit together in one array, a
/// few thousand cards at most.
/// </remarks>
internal sealed class HeldReceipts
{
    /// <summary>The head of a trace that holds none.</summary>
    public const int None = -1;

    private DeliveryReceipt[] _receipts = new DeliveryReceipt[256];
    private int[] _next = new int[256];
    private int _free = None;
    private int _highWater;

    /// <summary>Receipts held now.</summary>
    public int Count { get; private set; }

    /// <summary>Slots allocated (the arrays grow, never shrink).</summary>
    public int Capacity => _receipts.Length;

    /// <summary>Adds <paramref name="receipt"/> to the trace whose newest receipt is at <paramref name="head"/>.</summary>
    public void Hold(ref int head, DeliveryReceipt receipt)
    {
        var slot = Take();
        _receipts[slot] = receipt;
        _next[slot] = head;
        head = slot;
        Count++;
    }

    /// <summary>Takes the trace's receipts out (newest first) and leaves it holding none; none when it held none.</summary>
    public OwedReceipts TakeAll(ref int head)
    {
        if (head == None)
        {
            return OwedReceipts.None;
        }
        if (_next[head] == None)
        {
            // The common case — the trace's spans came in one request — takes no array.
            return OwedReceipts.Of(Release(ref head));
        }
        var n = 0;
        for (var slot = head; slot != None; slot = _next[slot])
        {
            n++;
        }
        var taken = new DeliveryReceipt[n];
        var i = 0;
        while (head != None)
        {
            taken[i++] = Release(ref head);
        }
        return OwedReceipts.Of(taken);
    }

    /// <summary>Owes every receipt of the trace (see <see cref="OwedConfirmations"/>) and leaves it holding none.</summary>
    public void OweAll(ref int head, OwedConfirmations owed, TimeSpan within)
    {
        while (head != None)
        {
            owed.Owe(Release(ref head), within);
        }
    }

    private DeliveryReceipt Release(ref int head)
    {
        var slot = head;
        var receipt = _receipts[slot];
        // Cleared: a slot left holding a receipt would keep the wait it names alive.
        _receipts[slot] = default;
        head = _next[slot];
        _next[slot] = _free;
        _free = slot;
        Count--;
        return receipt;
    }

    private int Take()
    {
        if (_free != None)
        {
            var slot = _free;
            _free = _next[slot];
            return slot;
        }
        if (_highWater == _receipts.Length)
        {
            Array.Resize(ref _receipts, _receipts.Length * 2);
            Array.Resize(ref _next, _next.Length * 2);
        }
        return _highWater++;
    }
}
