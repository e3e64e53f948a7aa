namespace ActorTracing.Storage;

/// <summary>
/// Where batches of kept spans go. Rows arrive already encoded by <see cref="SpanRowEncoder"/>
/// (RowBinary, columns in <see cref="TraceSchema.InsertColumns"/> order) so a store only moves
/// bytes; the embedded engine and a ClickHouse server over HTTP take the same batch.
/// </summary>
public interface ISpanStore
{
    /// <summary>
    /// Writes one batch atomically (all rows or none). Throws on failure; the caller retries the
    /// same bytes, so a store must not keep <paramref name="rowBinary"/> after the task completes.
    /// </summary>
    Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken);

    /// <summary>Rows stored and their size on disk.</summary>
    Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken);
}
