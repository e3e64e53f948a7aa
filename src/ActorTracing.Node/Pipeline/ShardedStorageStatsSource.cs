using ActorTracing.Admin;
using ActorTracing.Storage;

namespace ActorTracing.Node.Pipeline;

/// <summary>
/// Storage statistics for the admin endpoint and /metrics, one entry per shard, whether the node
/// writes to its embedded engine (one shard) or to ClickHouse servers.
/// </summary>
internal sealed class ShardedStorageStatsSource : IStorageStatsSource
{
    private readonly IReadOnlyList<StorageWriterStatsSource> _shards;

    public ShardedStorageStatsSource(StorageWriterHolder holder, IReadOnlyList<ISpanStore> stores)
    {
        // The writer starts with the actor system, after DI is built: resolve it on each read.
        _shards = stores
            .Select((store, i) => new StorageWriterStatsSource(
                () => holder.Writer?.Shards[i].Writer,
                store,
                stores.Count == 1 && store is EmbeddedSpanStore ? StorageWriterStatsSource.EmbeddedShard : ShardName(store, i)))
            .ToList();
    }

    public IReadOnlyList<StorageShardCounters> GetWriterCounters() => _shards.SelectMany(s => s.GetWriterCounters()).ToList();

    public async Task<IReadOnlyList<KeyValuePair<string, StorageStats>>> GetTableStatsAsync(CancellationToken cancellationToken)
    {
        var all = new List<KeyValuePair<string, StorageStats>>();
        foreach (var shard in _shards)
        {
            all.AddRange(await shard.GetTableStatsAsync(cancellationToken).ConfigureAwait(false));
        }
        return all;
    }

    private static string ShardName(ISpanStore store, int index) =>
        store is ServerSpanStore server ? server.Endpoint.Authority : $"shard-{index}";
}
