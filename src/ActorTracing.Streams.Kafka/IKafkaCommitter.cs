using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka;

/// <summary>Commits offsets through the consumer that read them (commits must name that consumer's group).</summary>
public interface IKafkaCommitter
{
    /// <summary>Commits <paramref name="offsets"/> (each the next offset to read) synchronously with the broker.</summary>
    Task CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets);
}
