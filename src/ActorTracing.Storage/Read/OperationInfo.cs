namespace ActorTracing.Storage;

/// <summary>A span name of one service with the span kind it was stored with ("Server", "Client", ...).</summary>
public sealed record OperationInfo(string Name, string SpanKind);
