namespace ActorTracing.Domain;

/// <summary>OTLP <c>Status.StatusCode</c>; values are the spec's enum numbers.</summary>
public enum SpanStatusCode : byte
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}
