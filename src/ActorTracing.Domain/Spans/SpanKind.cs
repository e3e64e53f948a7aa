namespace ActorTracing.Domain;

/// <summary>OTLP <c>Span.SpanKind</c>; values are the spec's enum numbers.</summary>
public enum SpanKind : byte
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}
