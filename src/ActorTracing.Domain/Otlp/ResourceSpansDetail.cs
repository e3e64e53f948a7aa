namespace ActorTracing.Domain.Otlp;

/// <summary>OTLP <c>ResourceSpans</c> fully decoded: what the encoder writes (workload generator, tests).</summary>
public sealed record ResourceSpansDetail(
    IReadOnlyList<KeyValuePair<string, AttributeValue>> ResourceAttributes,
    IReadOnlyList<ScopeSpansDetail> ScopeSpans,
    string SchemaUrl = "");

/// <summary>OTLP <c>ScopeSpans</c> fully decoded.</summary>
public sealed record ScopeSpansDetail(ScopeDetail Scope, IReadOnlyList<SpanDetail> Spans, string SchemaUrl = "");
