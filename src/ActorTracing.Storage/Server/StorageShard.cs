namespace ActorTracing.Storage;

/// <summary>One shard of a <see cref="ShardedStorageWriter"/>: its store and the writer batching for it.</summary>
/// <param name="Index">The shard's number: traces with <c>StableHash() % shard count == Index</c> go here.</param>
/// <param name="Name">The server's URL for a <see cref="ServerSpanStore"/>, "embedded" for the embedded engine, "shard-N" otherwise (logs, stats).</param>
/// <param name="Store">Where the shard's rows go.</param>
/// <param name="Writer">The shard's own batching, retries and counters.</param>
public sealed record StorageShard(int Index, string Name, ISpanStore Store, StorageWriter Writer);
