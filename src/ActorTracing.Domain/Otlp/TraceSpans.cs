namespace ActorTracing.Domain.Otlp;

/// <summary>The spans of one trace found in one export request; ingest sends one message per trace, not per span.</summary>
public sealed record TraceSpans(TraceId TraceId, IReadOnlyList<BufferedSpan> Spans);
