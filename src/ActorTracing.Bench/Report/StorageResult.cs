namespace ActorTracing.Bench;

/// <summary>
/// The run's spans table(s) after merging (OPTIMIZE FINAL): size per row and compression, and where
/// (<see cref="Engine"/>). <see cref="CompanionBytesOnDisk"/> is what else storing those spans
/// costs — every other table of the database: the per-trace summaries, and the trace-id lookup
/// wherever it is a table (on the embedded engine it is a view, no bytes) — so the target is
/// judged on <see cref="AllBytesPerRow"/>, not on the span table alone (0 where not measured).
/// </summary>
public sealed record StorageResult(long Rows, long BytesOnDisk, long CompressedBytes, long UncompressedBytes, double BytesPerRow, double CompressionRatio, string Engine = "embedded engine", long CompanionBytesOnDisk = 0)
{
    public double AllBytesPerRow => Rows == 0 ? 0 : Math.Round((double)(BytesOnDisk + CompanionBytesOnDisk) / Rows, 1);
}
