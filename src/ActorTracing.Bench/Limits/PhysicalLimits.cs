namespace ActorTracing.Bench;

/// <summary>
/// What this machine can do at best for each stage, measured in the same run as the pipeline so
/// pipeline figures are read as fractions of them (a figure without its limit is not a result).
/// All single-threaded on one core unless said otherwise.
/// </summary>
/// <param name="DecodeSpansPerSecond">OtlpTraceDecoder.Decode alone over the same payloads, one thread.</param>
/// <param name="InsertRowsPerSecond">RowBinary inserts of pre-encoded rows into the target's storage (batches of <paramref name="InsertBatchRows"/>).</param>
/// <param name="EncodeRowsPerSecond">SpanRowEncoder over fully decoded spans, one thread.</param>
/// <param name="TellsPerSecond">Messages/s from one local actor to another (one-way, default dispatcher).</param>
/// <param name="PayloadBytesPerSpan">Encoded OTLP bytes per span of the payloads: the floor of what buffering a span raw costs.</param>
/// <param name="RawInsertBytesPerRow">Bytes on disk per row of the raw insert (same rows, inserted once each).</param>
/// <param name="InsertInto">The storage the raw insert went to (<see cref="IRawInsertSink.Name"/>).</param>
public sealed record PhysicalLimits(
    double DecodeSpansPerSecond,
    double InsertRowsPerSecond,
    int InsertBatchRows,
    double EncodeRowsPerSecond,
    double TellsPerSecond,
    double PayloadBytesPerSpan,
    double RawInsertBytesPerRow,
    long PayloadSpans,
    string InsertInto = "chDB (embedded)");
