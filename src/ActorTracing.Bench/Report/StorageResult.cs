namespace ActorTracing.Bench;

/// <summary>The run's spans table on the embedded engine after merging (OPTIMIZE FINAL): size per row and compression.</summary>
public sealed record StorageResult(long Rows, long BytesOnDisk, long CompressedBytes, long UncompressedBytes, double BytesPerRow, double CompressionRatio);
