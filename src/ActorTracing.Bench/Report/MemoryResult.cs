namespace ActorTracing.Bench;

/// <summary>
/// Memory per buffered span: GC heap (after a full compacting collection) and RSS with N spans held
/// in open traces, minus the same node idle. <see cref="RawBytesPerSpan"/> is the span's own OTLP
/// bytes, the floor of keeping it raw.
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
    IReadOnlyList<MemoryPoint> Points);
