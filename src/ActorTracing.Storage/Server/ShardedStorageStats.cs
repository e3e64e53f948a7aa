namespace ActorTracing.Storage;

/// <summary>
/// Table stats of every shard and their sum. A shard that failed to answer is listed with its
/// error and left out of <see cref="Total"/>, so a partial answer says what it lacks.
/// </summary>
public sealed record ShardedStorageStats(IReadOnlyList<ShardStorageStats> Shards)
{
    /// <summary>The sum over the shards that answered.</summary>
    public StorageStats Total { get; } = Shards.Where(s => s.Stats is not null).Aggregate(
        StorageStats.Empty,
        (sum, s) => new StorageStats(
            sum.Rows + s.Stats!.Rows,
            sum.BytesOnDisk + s.Stats.BytesOnDisk,
            sum.CompressedBytes + s.Stats.CompressedBytes,
            sum.UncompressedBytes + s.Stats.UncompressedBytes));

    public int Responsive => Shards.Count(s => s.Stats is not null);

    public int Failed => Shards.Count - Responsive;

    /// <summary>E.g. "Queried 2 shards: 1 responsive, 1 failed (http://ch-2:8123/: no answer within 30 s ...)".</summary>
    public string Summary => Failed == 0
        ? $"Queried {Shards.Count} shards: all responsive"
        : $"Queried {Shards.Count} shards: {Responsive} responsive, {Failed} failed ({string.Join("; ", Shards.Where(s => s.Error is not null).Select(s => $"{s.Shard}: {s.Error}"))})";
}
