namespace ActorTracing.Streams.Kafka;

/// <summary>How offsets are batched before one commit round trip.</summary>
public sealed record CommitterSettings
{
    public const int DefaultMaxBatch = 1000;
    public static readonly TimeSpan DefaultMaxInterval = TimeSpan.FromSeconds(1);

    public static CommitterSettings Default { get; } = new();

    /// <summary>Offsets gathered before a commit is sent even if <see cref="MaxInterval"/> has not passed.</summary>
    public int MaxBatch { get; init; } = DefaultMaxBatch;

    /// <summary>Longest time a handled record waits to be committed (bounds duplicates after a crash).</summary>
    public TimeSpan MaxInterval { get; init; } = DefaultMaxInterval;
}
