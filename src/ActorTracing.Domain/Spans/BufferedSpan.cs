using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain;

/// <summary>
/// One span as a trace buffer holds it: the few fields completion and sampling read, decoded once
/// at ingest, plus the OTLP <c>Span</c> message bytes as they arrived (held in a compact form
/// while the span sits in a trace buffer, see <see cref="Completion.CompactSpan"/>). Everything else
/// (attributes, events, links) stays encoded until a rule asks for an attribute or the span is
/// kept and written; most spans are dropped and never decoded further. That is what keeps the
/// memory per buffered span small (see the benchmark's "memory per buffered span").
/// </summary>
public sealed class BufferedSpan
{
    public BufferedSpan(
        TraceId traceId,
        SpanId spanId,
        SpanId parentSpanId,
        ulong startUnixNano,
        ulong endUnixNano,
        string name,
        SpanKind kind,
        SpanStatusCode status,
        SpanOrigin origin,
        ReadOnlyMemory<byte> raw) =>
        Reuse(traceId, spanId, parentSpanId, startUnixNano, endUnixNano, name, kind, status, origin, raw, keys: null);

    /// <summary>A span a trace buffer holds: in its compact form (<see cref="CompactSpan"/>) with keys numbered in <paramref name="keys"/>, or as OTLP bytes without.</summary>
    internal BufferedSpan(
        TraceId traceId,
        SpanId spanId,
        SpanId parentSpanId,
        ulong startUnixNano,
        ulong endUnixNano,
        string name,
        SpanKind kind,
        SpanStatusCode status,
        SpanOrigin origin,
        ReadOnlyMemory<byte> bytes,
        SpanKeyTable? keys) =>
        Reuse(traceId, spanId, parentSpanId, startUnixNano, endUnixNano, name, kind, status, origin, bytes, keys);

    /// <summary>An empty span for <see cref="SpanRecycler"/> to lend: filled by <see cref="Reuse"/> before it is read.</summary>
    internal BufferedSpan()
    {
        Name = string.Empty;
        Origin = SpanOrigin.Unknown;
    }

    // The bytes as held: the OTLP Span message, or, while _keys is set, a trace buffer's compact
    // form of it (ids, name, kind and times left out; attribute keys numbered in _keys).
    private ReadOnlyMemory<byte> _bytes;
    private SpanKeyTable? _keys;

    // 1 while a SpanRecycler has lent the object out (see there); an int for Interlocked.
    private int _recyclable;

    public TraceId TraceId { get; private set; }

    public SpanId SpanId { get; private set; }

    /// <summary>Empty for a root span.</summary>
    public SpanId ParentSpanId { get; private set; }

    public ulong StartUnixNano { get; private set; }

    public ulong EndUnixNano { get; private set; }

    public string Name { get; private set; }

    public SpanKind Kind { get; private set; }

    public SpanStatusCode Status { get; private set; }

    /// <summary>The resource/scope the span was exported under; shared by the spans of one ScopeSpans.</summary>
    public SpanOrigin Origin { get; private set; }

    /// <summary>
    /// The OTLP <c>Span</c> message (opentelemetry.proto.trace.v1.Span) bytes. A span read from an
    /// open trace's buffer expands its compact form on first use (an allocation); the decision path
    /// reads attributes and links through <see cref="TryGetAttribute"/> and <see cref="Held"/> instead.
    /// </summary>
    public ReadOnlyMemory<byte> Raw => _keys is null ? _bytes : Expand();

    /// <summary>
    /// The bytes as held. Links (field 13), events (11), status and trace_state are byte for byte
    /// the OTLP ones in either form, so they can be read here without expanding.
    /// </summary>
    internal ReadOnlySpan<byte> Held => _bytes.Span;

    internal bool IsCompact => _keys is not null;

    /// <summary>Whether a <see cref="SpanRecycler"/> lent this object out and has not taken it back yet.</summary>
    public bool IsRecyclable => Volatile.Read(ref _recyclable) == 1;

    internal void Lent() => Volatile.Write(ref _recyclable, 1);

    /// <summary>
    /// Taken back: no longer the recycler's to take again, and holding no bytes (a body not
    /// pooled is left to the GC). True for the one caller that found it lent; false when it was
    /// not (never lent, or taken back already), and then nothing changes.
    /// </summary>
    internal bool TryRecycle()
    {
        if (Interlocked.Exchange(ref _recyclable, 0) == 0)
        {
            return false;
        }
        _bytes = default;
        _keys = null;
        return true;
    }

    public bool IsRoot => ParentSpanId.IsEmpty;

    /// <summary>
    /// Makes this object another span, in a trace buffer's compact form (or, without
    /// <paramref name="keys"/>, as OTLP bytes): a trace shard reuses the span objects of a dropped
    /// trace for the next trace's decision (<see cref="SpanSlots"/>), and the ingest decoder fills
    /// the objects a <see cref="SpanRecycler"/> lends it. Only once nothing else reads the object
    /// any more: the shard knows it of a dropped trace after its outcome was published, the
    /// recycler of a span given back.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(Name), nameof(Origin))]
    internal void Reuse(
        TraceId traceId,
        SpanId spanId,
        SpanId parentSpanId,
        ulong startUnixNano,
        ulong endUnixNano,
        string name,
        SpanKind kind,
        SpanStatusCode status,
        SpanOrigin origin,
        ReadOnlyMemory<byte> bytes,
        SpanKeyTable? keys)
    {
        TraceId = traceId;
        SpanId = spanId;
        ParentSpanId = parentSpanId;
        StartUnixNano = startUnixNano;
        EndUnixNano = endUnixNano;
        Name = name;
        Kind = kind;
        Status = status;
        Origin = origin;
        _bytes = bytes;
        _keys = keys;
    }

    /// <summary>
    /// Points the span at a copy of its bytes (see <see cref="Completion.SpanArena"/>). Only the
    /// trace buffer that owns the span calls this, before anything else can read it concurrently.
    /// </summary>
    internal void Rebase(ReadOnlyMemory<byte> raw)
    {
        _bytes = raw;
        _keys = null;
    }

    /// <summary>Writes the complete OTLP Span message (no field tag), expanding a compact span.</summary>
    internal void WriteOtlp(ProtoWriter writer)
    {
        if (_keys is null)
        {
            writer.WriteRaw(_bytes.Span);
        }
        else
        {
            CompactSpan.Expand(_bytes.Span, this, _keys, writer);
        }
    }

    private ReadOnlyMemory<byte> Expand()
    {
        var writer = new ProtoWriter(_bytes.Length * 2 + 64);
        WriteOtlp(writer);
        Rebase(writer.WrittenMemory);
        return _bytes;
    }

    /// <summary>End minus start in nanoseconds; 0 when the clock order is inverted (bad SDK clock).</summary>
    public ulong DurationNanos => EndUnixNano > StartUnixNano ? EndUnixNano - StartUnixNano : 0;

    /// <summary>Bytes this span is charged for against the trace and node memory limits (as held).</summary>
    public int Size => _bytes.Length;

    /// <summary>Finds a span attribute by key and gives its AnyValue bytes as held, undecoded (valid while the span's bytes are).</summary>
    internal bool TryGetAttributeBytes(string key, out ReadOnlySpan<byte> anyValue)
        => OtlpAttributes.TryFindValueInSpan(_bytes.Span, key, _keys is null ? OtlpAttributes.NotCompact : _keys.Find(key), out anyValue);

    /// <summary>Finds a span attribute by key, decoding only that attribute from <see cref="Raw"/>.</summary>
    public bool TryGetAttribute(string key, out AttributeValue value) => _keys is null
        ? OtlpAttributes.TryFindInSpan(_bytes.Span, key, out value)
        : OtlpAttributes.TryFindInCompactSpan(_bytes.Span, key, _keys.Find(key), out value);
}
