using ActorTracing.Storage;

namespace ActorTracing.Admin.Tests;

/// <summary>Fixed storage numbers, or a store that fails, for golden output.</summary>
public sealed class FakeStorageStats(bool storeFails = false) : IStorageStatsSource
{
    public IReadOnlyList<StorageShardCounters> GetWriterCounters() =>
        [new StorageShardCounters("embedded", 120, 20_000, 4, 1, 1, 0, 0.2, 0.04, "connection reset")];

    public Task<IReadOnlyList<KeyValuePair<string, StorageStats>>> GetTableStatsAsync(CancellationToken cancellationToken) => storeFails
        ? Task.FromException<IReadOnlyList<KeyValuePair<string, StorageStats>>>(new InvalidOperationException("engine is closed"))
        : Task.FromResult<IReadOnlyList<KeyValuePair<string, StorageStats>>>([new("embedded", new StorageStats(20_000, 3_250_000, 2_000_000, 9_000_000))]);
}
