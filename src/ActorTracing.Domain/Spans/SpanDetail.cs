namespace ActorTracing.Domain;

/// <summary>
/// A span fully decoded: what storage writes and what the OTLP encoder (workload generator,
/// tests) writes. Field meanings and units are the OTLP spec's (times in Unix nanoseconds).
/// </summary>
public sealed record SpanDetail
{
    public required TraceId TraceId { get; init; }

    public required SpanId SpanId { get; init; }

    public SpanId ParentSpanId { get; init; }

    public string TraceState { get; init; } = string.Empty;

    /// <summary>W3C trace flags in the low 8 bits, plus the OTLP has-is-remote bits (spec field 16).</summary>
    public uint Flags { get; init; }

    public required string Name { get; init; }

    public SpanKind Kind { get; init; }

    public ulong StartUnixNano { get; init; }

    public ulong EndUnixNano { get; init; }

    public IReadOnlyList<KeyValuePair<string, AttributeValue>> Attributes { get; init; } = [];

    public uint DroppedAttributesCount { get; init; }

    public IReadOnlyList<SpanEventDetail> Events { get; init; } = [];

    public uint DroppedEventsCount { get; init; }

    public IReadOnlyList<SpanLinkDetail> Links { get; init; } = [];

    public uint DroppedLinksCount { get; init; }

    public SpanStatusCode StatusCode { get; init; }

    public string StatusMessage { get; init; } = string.Empty;
}

/// <summary>OTLP <c>Span.Event</c>.</summary>
public sealed record SpanEventDetail(
    ulong TimeUnixNano,
    string Name,
    IReadOnlyList<KeyValuePair<string, AttributeValue>> Attributes,
    uint DroppedAttributesCount = 0);

/// <summary>OTLP <c>Span.Link</c>.</summary>
public sealed record SpanLinkDetail(
    TraceId TraceId,
    SpanId SpanId,
    string TraceState,
    IReadOnlyList<KeyValuePair<string, AttributeValue>> Attributes,
    uint DroppedAttributesCount = 0,
    uint Flags = 0);

/// <summary>OTLP <c>InstrumentationScope</c>.</summary>
public sealed record ScopeDetail(
    string Name,
    string Version,
    IReadOnlyList<KeyValuePair<string, AttributeValue>> Attributes,
    uint DroppedAttributesCount = 0);
