namespace ActorTracing.Storage;

/// <summary>
/// What a trace search asks for. A trace matches when ONE of its spans meets every condition
/// (Jaeger's semantics): service, operation, each tag and the duration bounds together.
/// Times are Unix nanoseconds of the span start; durations are nanoseconds.
/// </summary>
public sealed record TraceSearch
{
    public string? Service { get; init; }

    public string? Operation { get; init; }

    /// <summary>
    /// Attribute equality conditions, checked against span then resource attributes. A few keys
    /// name columns instead (see <see cref="ClickHouseSpanReader"/>): error, span.kind,
    /// otel.status_code, sampling.reason, region.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    public required long StartMinUnixNano { get; init; }

    public required long StartMaxUnixNano { get; init; }

    public long? DurationMinNanos { get; init; }

    public long? DurationMaxNanos { get; init; }

    public required int Limit { get; init; }
}
