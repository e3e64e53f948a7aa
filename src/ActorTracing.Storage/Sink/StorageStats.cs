namespace ActorTracing.Storage;

/// <summary>What a store holds: rows in otel_traces and the size of its active parts.</summary>
/// <param name="Rows">Rows in the spans table (count()).</param>
/// <param name="BytesOnDisk">Bytes of the table's active parts on disk, all files included.</param>
/// <param name="CompressedBytes">Compressed column data of the active parts.</param>
/// <param name="UncompressedBytes">The same data uncompressed; UncompressedBytes / CompressedBytes is the compression ratio.</param>
public sealed record StorageStats(long Rows, long BytesOnDisk, long CompressedBytes, long UncompressedBytes)
{
    public static readonly StorageStats Empty = new(0, 0, 0, 0);

    public double CompressionRatio => CompressedBytes == 0 ? 0 : (double)UncompressedBytes / CompressedBytes;
}
