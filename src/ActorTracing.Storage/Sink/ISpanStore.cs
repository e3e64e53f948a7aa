namespace ActorTracing.Storage;

/// <summary>
/// Where batches of kept spans go. Rows arrive already encoded by <see cref="SpanRowEncoder"/>
/// (RowBinary, columns in the order of the store's <see cref="Flavor"/>: <see cref="TraceSchema.InsertColumns"/>
/// or <see cref="ServerTraceSchema.InsertColumns"/>) so a store only moves bytes: the embedded
/// engine and a ClickHouse server over HTTP differ in column types, not in how a batch travels.
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

    /// <summary>
    /// The column types the store's table has; <see cref="StorageWriter"/> encodes rows for it.
    /// Modern (the embedded engine's) unless a store says otherwise.
    /// </summary>
    SchemaFlavor Flavor => SchemaFlavor.Modern;
}
