namespace ActorTracing.Storage;

/// <summary>A stored span link (to a span of this or another trace).</summary>
public sealed record SpanLinkRecord(string TraceId, string SpanId, string TraceState, IReadOnlyDictionary<string, string> Attributes);
