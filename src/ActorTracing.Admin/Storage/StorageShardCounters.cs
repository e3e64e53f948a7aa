namespace ActorTracing.Admin;

/// <summary>One storage writer's counters, read without locks (one may be a batch ahead of another).</summary>
/// <param name="Shard">Name of the storage shard ("embedded" for the in-process engine).</param>
/// <param name="PendingRows">Kept spans enqueued and not yet written; ingest admission throttles on it.</param>
/// <param name="RowsWritten">Rows written since start.</param>
/// <param name="BatchesWritten">Successful inserts since start; RowsWritten / BatchesWritten is the mean batch size.</param>
/// <param name="WriteRetries">Attempts that repeated a failed insert.</param>
/// <param name="FailedAttempts">Inserts that threw.</param>
/// <param name="UnencodableSpans">Spans skipped because their bytes could not be decoded.</param>
/// <param name="WriteSecondsTotal">Sum of the durations of successful inserts.</param>
/// <param name="LastWriteSeconds">Duration of the last successful insert.</param>
/// <param name="LastError">Message of the last failed insert, null until one fails.</param>
public sealed record StorageShardCounters(
    string Shard,
    long PendingRows,
    long RowsWritten,
    long BatchesWritten,
    long WriteRetries,
    long FailedAttempts,
    long UnencodableSpans,
    double WriteSecondsTotal,
    double LastWriteSeconds,
    string? LastError);
