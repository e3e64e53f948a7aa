namespace ActorTracing.Bench;

/// <summary>
/// Where the raw-insert limit is measured: the storage the target writes to (the embedded engine,
/// or a ClickHouse server shard), in a scratch database of the node's schema, so a stored-rows
/// figure is read against the insert rate of the same storage.
/// </summary>
public interface IRawInsertSink
{
    /// <summary>For the report: "chDB (embedded)", "ClickHouse server http://…".</summary>
    string Name { get; }

    /// <summary>The row layout inserts must be encoded in.</summary>
    ActorTracing.Storage.SchemaFlavor Flavor { get; }

    Task CreateAsync(CancellationToken cancellationToken);

    Task InsertAsync(byte[] rowBinary, int rows, CancellationToken cancellationToken);

    /// <summary>Merges the spans table (OPTIMIZE FINAL) and returns its bytes on disk.</summary>
    Task<long> MergedBytesAsync(CancellationToken cancellationToken);

    Task DropAsync(CancellationToken cancellationToken);
}
