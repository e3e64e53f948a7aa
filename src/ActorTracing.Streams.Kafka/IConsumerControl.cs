namespace ActorTracing.Streams.Kafka;

/// <summary>The materialized handle of a committable source.</summary>
public interface IConsumerControl : IKafkaCommitter, IAsyncDisposable
{
    /// <summary>
    /// Lag per assigned partition as of the last refresh (every <see cref="ConsumerSettings.LagRefreshInterval"/>
    /// and after commits). Polling and commits never wait for a refresh, so it trails them by the
    /// broker's answer to it (up to fetch.wait.max.ms while the consumer is caught up); a refresh
    /// that fails leaves the previous values (see <see cref="LagAge"/> and
    /// <see cref="ConsumerSettings.OnLagRefresh"/>).
    /// </summary>
    IReadOnlyList<PartitionLag> Lag { get; }

    /// <summary>
    /// How long ago the broker answered the query whose figures <see cref="Lag"/> holds; null
    /// before the first answer. Beyond <see cref="ConsumerSettings.LagRefreshInterval"/> plus the
    /// broker's answer time it grows only while refreshes fail.
    /// </summary>
    TimeSpan? LagAge { get; }

    /// <summary>
    /// Asks the broker now for committed offsets and watermarks of the assigned partitions (and
    /// updates <see cref="Lag"/>). Fails with the broker's error, or when the consumer closes first.
    /// </summary>
    Task<IReadOnlyList<PartitionLag>> QueryLagAsync();

    /// <summary>Stops fetching; the source completes once records already polled are emitted. Commits still work.</summary>
    void Stop();

    /// <summary>Completes when the consumer is closed (after <see cref="ShutdownAsync"/>), or fails with the poll loop's error.</summary>
    Task Completion { get; }

    /// <summary>Stops fetching, serves commits already queued, leaves the group and closes the consumer.</summary>
    Task ShutdownAsync();
}
