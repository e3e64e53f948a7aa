using ActorTracing.Storage;

namespace ActorTracing.Query;

/// <summary>
/// One trace ready to render in either API shape: spans in start order with their process, typed
/// attributes and the pipeline's own tags, the cross-region edges and the warnings.
/// </summary>
internal sealed record AssembledTrace(
    string TraceId,
    IReadOnlyList<AssembledSpan> Spans,
    IReadOnlyList<AssembledProcess> Processes,
    IReadOnlyList<SkewEdgeRecord> CrossRegionEdges,
    IReadOnlyList<string> Warnings,
    string SamplingReason,
    long SampleRate,
    TraceSummaryRecord? Summary);

/// <summary>A span with its process id, typed attributes, the pipeline tags added for it and its own warnings.</summary>
internal sealed record AssembledSpan(
    SpanRecord Span,
    string ProcessId,
    IReadOnlyList<KeyValuePair<string, TypedValue>> Attributes,
    IReadOnlyList<KeyValuePair<string, TypedValue>> PipelineTags,
    IReadOnlyList<string> Warnings,
    bool IsRoot);

/// <summary>A Jaeger process: one service in one region with one set of resource attributes.</summary>
internal sealed record AssembledProcess(
    string Id,
    string ServiceName,
    string Region,
    IReadOnlyDictionary<string, string> ResourceAttributes);
