namespace ActorTracing.Storage;

/// <summary>
/// One row of <c>otel_traces</c> as read back. Attribute maps hold the stored strings: the table
/// keeps no value types (SpanRowEncoder renders ints, doubles and bools as text and arrays/maps as
/// compact JSON), so typing them again is the reader's job.
/// </summary>
public sealed record SpanRecord
{
    public required string TraceId { get; init; }

    public required string SpanId { get; init; }

    /// <summary>Empty for a root span.</summary>
    public string ParentSpanId { get; init; } = string.Empty;

    public string TraceState { get; init; } = string.Empty;

    public required string Name { get; init; }

    /// <summary>As stored: "Server", "Client", "Producer", "Consumer", "Internal" or "Unspecified".</summary>
    public string Kind { get; init; } = "Unspecified";

    public required string ServiceName { get; init; }

    public IReadOnlyDictionary<string, string> ResourceAttributes { get; init; } = EmptyMap;

    public string ScopeName { get; init; } = string.Empty;

    public string ScopeVersion { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = EmptyMap;

    public required long StartUnixNano { get; init; }

    public long DurationNanos { get; init; }

    /// <summary>As stored: "Unset", "Ok" or "Error".</summary>
    public string StatusCode { get; init; } = "Unset";

    public string StatusMessage { get; init; } = string.Empty;

    public IReadOnlyList<SpanEventRecord> Events { get; init; } = [];

    public IReadOnlyList<SpanLinkRecord> Links { get; init; } = [];

    public string Region { get; init; } = string.Empty;

    public string SamplingReason { get; init; } = string.Empty;

    public long SampleRate { get; init; }

    private static IReadOnlyDictionary<string, string> EmptyMap { get; } = new Dictionary<string, string>();
}
