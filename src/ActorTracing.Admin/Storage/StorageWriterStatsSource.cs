using ActorTracing.Storage;

namespace ActorTracing.Admin;

/// <summary>
/// <see cref="IStorageStatsSource"/> over one <see cref="StorageWriter"/> and its store: the
/// embedded engine, or one ClickHouse server. The writer is looked up on every call because the
/// node creates it only once the ActorSystem runs (after the endpoint may already be serving).
/// </summary>
public sealed class StorageWriterStatsSource : IStorageStatsSource
{
    public const string EmbeddedShard = "embedded";

    private readonly Func<StorageWriter?> _writer;
    private readonly ISpanStore _store;
    private readonly string _shard;

    public StorageWriterStatsSource(Func<StorageWriter?> writer, ISpanStore store, string shard = EmbeddedShard)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(shard);
        _writer = writer;
        _store = store;
        _shard = shard;
    }

    public IReadOnlyList<StorageShardCounters> GetWriterCounters()
    {
        if (_writer() is not { } w)
        {
            return [new StorageShardCounters(_shard, 0, 0, 0, 0, 0, 0, 0, 0, null)];
        }
        var batches = w.BatchesWritten;
        return
        [
            new StorageShardCounters(
                _shard,
                w.PendingRows,
                w.RowsWritten,
                batches,
                w.WriteRetries,
                w.FailedAttempts,
                w.UnencodableSpans,
                // The writer keeps the mean, not the sum; mean × count is the sum to the tick.
                w.AverageWriteLatencyMs * batches / 1000.0,
                w.LastWriteLatencyMs / 1000.0,
                w.LastError),
        ];
    }

    public async Task<IReadOnlyList<KeyValuePair<string, StorageStats>>> GetTableStatsAsync(CancellationToken cancellationToken)
    {
        var stats = await _store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        return [new KeyValuePair<string, StorageStats>(_shard, stats)];
    }
}
