namespace ActorTracing.Bench;

/// <summary>The run's spans table(s) after merging (OPTIMIZE FINAL): size per row and compression, and where (<see cref="Engine"/>).</summary>
public sealed record StorageResult(long Rows, long BytesOnDisk, long CompressedBytes, long UncompressedBytes, double BytesPerRow, double CompressionRatio, string Engine = "embedded engine");
