namespace ActorTracing.Bench;

/// <summary>
/// Memory per buffered span: GC heap (after a full compacting collection) and RSS with N spans held
/// in open traces, minus the same node after its warm-up (<see cref="WarmUpSpans"/> held then),
/// divided by the spans added in between. <see cref="RawBytesPerSpan"/> is the span bytes the
/// trace buffers hold (the node's buffered-bytes gauge): the OTLP Span message compacted (ids,
/// name, kind and times left out, attribute keys numbered), the floor of keeping the span at all.
/// </summary>
public sealed record MemoryResult(
    long BufferedSpans,
    long BufferedTraces,
    long BaselineGcHeapBytes,
    long LoadedGcHeapBytes,
    long BaselineRssBytes,
    long LoadedRssBytes,
    double GcHeapBytesPerSpan,
    double RssBytesPerSpan,
    double RawBytesPerSpan,
    IReadOnlyList<MemoryPoint> Points,
    long WarmUpSpans = 0);
