using ActorTracing.Domain;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Workload;

/// <summary>
/// The replay counterpart of <see cref="OtlpBatchBuilder"/>: collects replayed spans as bytes, one
/// buffer per resource, and frames them into one ExportTraceServiceRequest — ResourceSpans per
/// resource in first-added order, one ScopeSpans each — byte-identical to what
/// <see cref="ActorTracing.Domain.Otlp.OtlpEncoder"/> writes for the same spans. Adding only notes
/// which template spans go under which resource; <see cref="BuildPooled"/> writes each span once, patched,
/// straight into the request (copying spans into per-resource buffers first cost a second memmove
/// per span, the largest item of the producer's profile). The lists are reused between batches;
/// the request arrays come from <see cref="Requests"/>.
/// </summary>
internal sealed class EncodedBatchBuilder
{
    private readonly TraceTemplatePool _pool;
    private readonly List<ReplayFragment> _fragments = new(64);
    private readonly SpanEntry[]?[] _entries;
    private readonly int[] _counts;
    private readonly int[] _lengths;
    private readonly List<int> _touched = new(16);

    /// <summary>
    /// The generator's request arrays. Not the runtime's shared pool: requests are built on the
    /// producer's thread and given back on the senders', and at 250k spans/s (2,500 requests a
    /// second) the shared pool still allocated ~100 MB/s of them (its per-thread and per-core
    /// caches do not fit a one-way flow). Those arrays lived until sent, so they reached gen1 and
    /// gen2, and the generator paused 25-50 ms several times a second (gc-verbose trace of the
    /// loadgen process): pauses that held back its sends and, measured from intended send times,
    /// counted as the node's ack latency. A pool of lock-free queues (the receivers' kind) reuses
    /// every array. Up to 1,024 of each size (the generator's queue of ready requests): the
    /// receivers' 64 were exceeded whenever the node stalled and requests queued, and the arrays
    /// made again after each stall (~1.6 MB/s at 250k, some of them large objects) started the
    /// generator's background full collections. Not pinned: the generator runs with a 512 MiB gen0
    /// budget and no young GC in a run, so a fresh array costs nothing there, while pinned ones
    /// (the receivers' kind) counted against the large/pinned heaps' budget and started background
    /// full collections — 7 in a 30 s run at 240k spans/s (reason AllocLarge), the pauses two of
    /// three 80 % latency runs' tails began in.
    /// </summary>
    internal static SharedBufferPool Requests { get; } = new(maxPerSize: 1_024, pinned: false);

    private readonly SharedBufferPool _requests;

    /// <param name="requests">Where request arrays come from; <see cref="Requests"/> unless a test gives its own.</param>
    public EncodedBatchBuilder(TraceTemplatePool pool, SharedBufferPool? requests = null)
    {
        _pool = pool;
        _requests = requests ?? Requests;
        _entries = new SpanEntry[pool.Resources.Count][];
        _counts = new int[pool.Resources.Count];
        _lengths = new int[pool.Resources.Count];
    }

    public int SpanCount { get; private set; }

    public bool IsEmpty => SpanCount == 0;

    public void Add(in ReplayFragment fragment)
    {
        var slot = _fragments.Count;
        _fragments.Add(fragment);
        var f = _pool.Fragment(fragment.Fragment);
        for (var i = f.FirstSpan; i < f.FirstSpan + f.SpanCount; i++)
        {
            var span = _pool.Span(i);
            var r = span.Resource;
            var entries = _entries[r];
            var count = _counts[r];
            if (count == 0)
            {
                _touched.Add(r);
            }
            if (entries is null || entries.Length == count)
            {
                Array.Resize(ref entries, Math.Max(32, 2 * count));
                _entries[r] = entries;
            }
            entries[count] = new SpanEntry(slot, i);
            _counts[r] = count + 1;
            _lengths[r] += span.Length;
        }
        SpanCount += f.SpanCount;
    }

    /// <summary>
    /// Writes the request of everything added since the last call into a pooled buffer, and starts
    /// empty again. The caller holds the buffer's one share and gives it back once the request is
    /// sent (<see cref="WorkloadBatch.ReturnPayload"/>).
    /// At 200k spans/s the requests are ~120 MB/s of garbage otherwise, and the generator's own GC
    /// pauses delay the requests it sends — which the bench would count as the node's latency.
    /// </summary>
    public SharedBuffer BuildPooled()
    {
        var request = _requests.Rent(RequestLength());
        // Every byte up to the length is written, so the rented array needs no clearing.
        WriteRequest(request.Writable.Span);
        return request;
    }

    // Sizes first, so the request is written once, into an array of its length or longer.
    private int RequestLength()
    {
        var total = 0;
        for (var t = 0; t < _touched.Count; t++)
        {
            var length = ResourceSpansLength(_touched[t]);
            total += 1 + ProtoWriter.VarintSize((uint)length) + length;
        }
        return total;
    }

    private void WriteRequest(Span<byte> request)
    {
        var fragments = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_fragments);
        var position = 0;
        for (var t = 0; t < _touched.Count; t++)
        {
            var r = _touched[t];
            var scopeSpans = _pool.ScopeField(r).Length + _lengths[r];
            request[position++] = (1 << 3) | 2;
            position += ProtoWriter.WriteVarint(request[position..], (uint)ResourceSpansLength(r));
            position += Copy(_pool.ResourceField(r), request, position);
            request[position++] = (2 << 3) | 2;
            position += ProtoWriter.WriteVarint(request[position..], (uint)scopeSpans);
            position += Copy(_pool.ScopeField(r), request, position);
            var entries = _entries[r]!;
            for (var e = 0; e < _counts[r]; e++)
            {
                var entry = entries[e];
                _pool.WriteSpan(entry.Span, request[position..], fragments[entry.Fragment]);
                position += _pool.Span(entry.Span).Length;
            }
            position += Copy(_pool.SchemaUrlField, request, position);
            _counts[r] = 0;
            _lengths[r] = 0;
        }
        _touched.Clear();
        _fragments.Clear();
        SpanCount = 0;
    }

    private int ResourceSpansLength(int resource)
    {
        var scopeSpans = _pool.ScopeField(resource).Length + _lengths[resource];
        return _pool.ResourceField(resource).Length + 1 + ProtoWriter.VarintSize((uint)scopeSpans) + scopeSpans + _pool.SchemaUrlField.Length;
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination, int position)
    {
        source.CopyTo(destination[position..]);
        return source.Length;
    }

    /// <summary>A span waiting in the batch: which fragment (slot in the batch) and which template span.</summary>
    private readonly record struct SpanEntry(int Fragment, int Span);
}
