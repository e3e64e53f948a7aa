namespace ActorTracing.Storage;

/// <summary>
/// A trace found by a search, with the start of its earliest matching span: the key a fan-out
/// over several stores orders the merged hits by before it cuts them to the limit.
/// </summary>
public sealed record TraceIdHit(string TraceId, long StartUnixNano);
