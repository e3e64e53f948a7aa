namespace ActorTracing.Query;

/// <summary>One storage shard (the embedded engine or a ClickHouse server) as the overview shows it.</summary>
public sealed record ShardStorage(string Name, long Rows, long BytesOnDisk, long PendingRows, bool Healthy);
