namespace ActorTracing.Storage;

/// <summary>What one shard answered to a stats query: its stats, or why it gave none.</summary>
/// <param name="Shard">The shard's name (<see cref="StorageShard.Name"/>).</param>
/// <param name="Stats">The shard's table stats; null when it failed.</param>
/// <param name="Error">Why the shard gave no stats; null when it answered.</param>
public sealed record ShardStorageStats(string Shard, StorageStats? Stats, string? Error);
