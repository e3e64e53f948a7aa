namespace ActorTracing.Storage;

/// <summary>
/// Reads stored spans back for the query API. One reader is one store (the embedded engine, or one
/// ClickHouse server); <see cref="FanOutSpanReader"/> merges several, so every result here is
/// shaped to merge: sets that union, trace-id hits that carry their start for a global order, and
/// counts that add up. Trace ids are 32 lowercase hex characters everywhere; readers validate them
/// and throw <see cref="ArgumentException"/> for anything else, so no caller text reaches SQL raw.
/// </summary>
public interface ISpanReader
{
    /// <summary>Every service name with stored spans, sorted ordinally.</summary>
    Task<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Span names of <paramref name="service"/> with the span kind they were stored with;
    /// <paramref name="spanKind"/> (stored form: "Server", "Client", ...) narrows them when given.
    /// </summary>
    Task<IReadOnlyList<OperationInfo>> GetOperationsAsync(string service, string? spanKind, CancellationToken cancellationToken);

    /// <summary>
    /// Traces with at least one span matching every condition of <paramref name="search"/>, newest
    /// first, at most <see cref="TraceSearch.Limit"/>.
    /// </summary>
    Task<IReadOnlyList<TraceIdHit>> FindTraceIdsAsync(TraceSearch search, CancellationToken cancellationToken);

    /// <summary>All stored spans of the given traces, ordered by trace then start; unknown ids yield nothing.</summary>
    Task<IReadOnlyList<SpanRecord>> GetSpansAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken);

    /// <summary>
    /// The per-trace summaries (otel_trace_summaries) of the given traces. Optional data: a store
    /// without the table, or a trace without a row, yields no summary and the trace still renders.
    /// </summary>
    Task<IReadOnlyList<TraceSummaryRecord>> GetTraceSummariesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken);

    /// <summary>Service-to-service call counts (parent span's service → child span's service) of spans started in [start, end].</summary>
    Task<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);
}
