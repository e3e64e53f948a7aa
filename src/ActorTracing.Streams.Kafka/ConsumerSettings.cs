using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka;

/// <summary>
/// What a committable source needs to join a consumer group. Offsets are never auto-committed:
/// the stream commits only what its downstream has finished with (at-least-once).
/// </summary>
public sealed record ConsumerSettings
{
    public static readonly TimeSpan DefaultPollTimeout = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DefaultLagRefreshInterval = TimeSpan.FromSeconds(5);
    public const int DefaultBufferSize = 64;

    public required string BootstrapServers { get; init; }

    public required string GroupId { get; init; }

    /// <summary>
    /// How long one poll waits for a record. Bounds how late a queued commit or a stop is served,
    /// since commits run on the poll thread between polls.
    /// </summary>
    public TimeSpan PollTimeout { get; init; } = DefaultPollTimeout;

    /// <summary>Records polled ahead of the stream; when full the poll thread stops fetching (backpressure).</summary>
    public int BufferSize { get; init; } = DefaultBufferSize;

    /// <summary>
    /// How often the per-partition lag snapshot is refreshed: one committed-offsets request to the
    /// group coordinator and two offsets requests per partition leader, sent without holding up
    /// polling or commits.
    /// </summary>
    public TimeSpan LagRefreshInterval { get; init; } = DefaultLagRefreshInterval;

    /// <summary>
    /// Where librdkafka's log lines and error events go (error events arrive with facility
    /// "ERROR"); null leaves librdkafka's default, raw lines on stderr. Called on librdkafka's
    /// threads: must not block.
    /// </summary>
    public Action<LogMessage>? OnLog { get; init; }

    /// <summary>
    /// Told the outcome of every periodic lag refresh: null when it succeeded, the error when it
    /// failed (<see cref="IConsumerControl.Lag"/> then keeps its previous figures). Refreshes cut
    /// short by the consumer closing are not reported. Called one refresh at a time, on the poll
    /// thread or a thread-pool thread: must not block.
    /// </summary>
    public Action<Exception?>? OnLagRefresh { get; init; }

    /// <summary>Extra librdkafka properties (security, timeouts, test.mock.*), applied last.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    internal ConsumerConfig ToConsumerConfig()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = GroupId,
            // A group without committed offsets starts at the oldest record: a new ingest group
            // must not silently skip spans already in the topic.
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
        };
        foreach (var (key, value) in Properties)
        {
            config.Set(key, value);
        }
        // Set after the pass-through properties: auto-commit would commit records the stream has
        // not handled yet and break at-least-once.
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        return config;
    }
}
