using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain;

/// <summary>
/// One span as a trace buffer holds it: the few fields completion and sampling read, decoded once
/// at ingest, plus the OTLP <c>Span</c> message bytes exactly as they arrived. Everything else
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
        ReadOnlyMemory<byte> raw)
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
        Raw = raw;
    }

    public TraceId TraceId { get; }

    public SpanId SpanId { get; }

    /// <summary>Empty for a root span.</summary>
    public SpanId ParentSpanId { get; }

    public ulong StartUnixNano { get; }

    public ulong EndUnixNano { get; }

    public string Name { get; }

    public SpanKind Kind { get; }

    public SpanStatusCode Status { get; }

    /// <summary>The resource/scope the span was exported under; shared by the spans of one ScopeSpans.</summary>
    public SpanOrigin Origin { get; }

    /// <summary>The OTLP <c>Span</c> message (opentelemetry.proto.trace.v1.Span) bytes.</summary>
    public ReadOnlyMemory<byte> Raw { get; private set; }

    public bool IsRoot => ParentSpanId.IsEmpty;

    /// <summary>
    /// Points the span at a copy of its bytes (see <see cref="Completion.SpanArena"/>). Only the
    /// trace buffer that owns the span calls this, before anything else can read it concurrently.
    /// </summary>
    internal void Rebase(ReadOnlyMemory<byte> raw) => Raw = raw;

    /// <summary>End minus start in nanoseconds; 0 when the clock order is inverted (bad SDK clock).</summary>
    public ulong DurationNanos => EndUnixNano > StartUnixNano ? EndUnixNano - StartUnixNano : 0;

    /// <summary>Bytes this span is charged for against the trace and node memory limits.</summary>
    public int Size => Raw.Length;

    /// <summary>Finds a span attribute by key, decoding only that attribute from <see cref="Raw"/>.</summary>
    public bool TryGetAttribute(string key, out AttributeValue value) => OtlpAttributes.TryFindInSpan(Raw.Span, key, out value);
}
