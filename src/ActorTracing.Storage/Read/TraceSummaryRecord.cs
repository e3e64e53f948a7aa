namespace ActorTracing.Storage;

/// <summary>
/// One row of <c>otel_trace_summaries</c>: what the pipeline knew about a whole trace when it
/// decided it, plus (from the same table) the other traces of its correlation group.
/// </summary>
public sealed record TraceSummaryRecord
{
    public required string TraceId { get; init; }

    /// <summary>Correlation group id, or empty when the trace was not joined with others.</summary>
    public string GroupId { get; init; } = string.Empty;

    public long StartUnixNano { get; init; }

    public long DurationNanos { get; init; }

    public long SpanCount { get; init; }

    public IReadOnlyList<string> Regions { get; init; } = [];

    public IReadOnlyList<SkewEdgeRecord> Edges { get; init; } = [];

    public IReadOnlyList<ArrivalLagRecord> ArrivalLag { get; init; } = [];

    public long MaxSkewNanos { get; init; }

    public string CompletionReason { get; init; } = string.Empty;

    public string SamplingReason { get; init; } = string.Empty;

    public long SampleRate { get; init; }

    /// <summary>Other trace ids of the same correlation group (this trace excluded), sorted.</summary>
    public IReadOnlyList<string> LinkedTraceIds { get; init; } = [];

    /// <summary>
    /// Combines two summaries of one trace from different stores (fragments of a trace stored on
    /// two shards): sets union, the decision of the later row wins, the larger skew stays.
    /// </summary>
    public TraceSummaryRecord MergeWith(TraceSummaryRecord other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var (later, earlier) = other.StartUnixNano > StartUnixNano ? (other, this) : (this, other);
        return later with
        {
            GroupId = later.GroupId.Length > 0 ? later.GroupId : earlier.GroupId,
            StartUnixNano = Math.Min(StartUnixNano, other.StartUnixNano),
            DurationNanos = Math.Max(DurationNanos, other.DurationNanos),
            SpanCount = SpanCount + other.SpanCount,
            Regions = [.. Regions.Union(other.Regions, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            Edges = [.. Edges.Union(other.Edges)],
            ArrivalLag = [.. ArrivalLag.Union(other.ArrivalLag)],
            MaxSkewNanos = Math.Max(MaxSkewNanos, other.MaxSkewNanos),
            LinkedTraceIds = [.. LinkedTraceIds.Union(other.LinkedTraceIds, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
        };
    }
}
