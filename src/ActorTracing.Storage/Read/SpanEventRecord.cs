namespace ActorTracing.Storage;

/// <summary>A stored span event; attribute values are the stored strings (types are inferred by readers of this record).</summary>
public sealed record SpanEventRecord(long TimeUnixNano, string Name, IReadOnlyDictionary<string, string> Attributes);
