namespace ActorTracing.Storage;

/// <summary>
/// Which ClickHouse column types a row is encoded for. The logical columns are the same in both
/// (the upstream otel_traces columns plus Region, SamplingReason, SampleRate); only the physical
/// types differ, because the servers we must write to predate the types the upstream schema uses.
/// </summary>
public enum SchemaFlavor
{
    /// <summary>
    /// <see cref="TraceSchema"/>: DateTime64(9), Map, column CODECs — the OpenTelemetry Collector's
    /// schema, used by the embedded engine (ClickHouse 26.x). Whether a table holds String or
    /// LowCardinality(String) makes no difference to the rows: RowBinary writes both the same.
    /// </summary>
    Modern = 0,

    /// <summary>
    /// <see cref="ServerTraceSchema"/>: ClickHouse 18.16, which has no Map, DateTime64, CODEC,
    /// TTL or skip indexes. Times are DateTime seconds plus a UInt32 nanosecond column, maps are
    /// parallel key/value arrays (Nested), everything else is the same.
    /// </summary>
    Legacy = 1,
}
