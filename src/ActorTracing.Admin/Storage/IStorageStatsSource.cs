using ActorTracing.Storage;

namespace ActorTracing.Admin;

/// <summary>
/// What the admin endpoint knows about storage, implemented by the node. It keeps the endpoint
/// ignorant of where spans are written: one embedded engine reports one shard, a set of
/// ClickHouse servers one entry per server.
/// </summary>
public interface IStorageStatsSource
{
    /// <summary>
    /// The writers' counters, one entry per storage shard. Cheap (Interlocked reads): /metrics
    /// calls it on every scrape.
    /// </summary>
    IReadOnlyList<StorageShardCounters> GetWriterCounters();

    /// <summary>
    /// Rows and sizes as the store reports them, one entry per shard (a query against the engine,
    /// so only `storage stats` asks, never a scrape).
    /// </summary>
    Task<IReadOnlyList<KeyValuePair<string, StorageStats>>> GetTableStatsAsync(CancellationToken cancellationToken);
}
