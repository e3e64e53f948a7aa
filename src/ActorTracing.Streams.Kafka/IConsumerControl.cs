namespace ActorTracing.Streams.Kafka;

/// <summary>The materialized handle of a committable source.</summary>
public interface IConsumerControl : IKafkaCommitter, IAsyncDisposable
{
    /// <summary>Lag per assigned partition as of the last refresh (every <see cref="ConsumerSettings.LagRefreshInterval"/> and after commits).</summary>
    IReadOnlyList<PartitionLag> Lag { get; }

    /// <summary>Asks the broker now for committed offsets and high watermarks of the assigned partitions.</summary>
    Task<IReadOnlyList<PartitionLag>> QueryLagAsync();

    /// <summary>Stops fetching; the source completes once records already polled are emitted. Commits still work.</summary>
    void Stop();

    /// <summary>Completes when the consumer is closed (after <see cref="ShutdownAsync"/>), or fails with the poll loop's error.</summary>
    Task Completion { get; }

    /// <summary>Stops fetching, serves commits already queued, leaves the group and closes the consumer.</summary>
    Task ShutdownAsync();
}
