using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka;

/// <summary>
/// The position of one consumed record and the consumer that can commit it. Committing it
/// commits <c>Offset + 1</c> (Kafka's "next record to read"), so everything before it in the
/// partition counts as done.
/// </summary>
public sealed record CommittableOffset(TopicPartitionOffset Position, IKafkaCommitter Committer)
{
    /// <summary>Commits this single offset; prefer <see cref="Committer"/> batching in streams.</summary>
    public Task CommitAsync() => Committer.CommitAsync([new TopicPartitionOffset(Position.TopicPartition, Position.Offset + 1)]);
}
