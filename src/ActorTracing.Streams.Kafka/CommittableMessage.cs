namespace ActorTracing.Streams.Kafka;

/// <summary>One consumed record: its value bytes, where it came from, and the handle to commit it once handled.</summary>
public sealed record CommittableMessage(string Topic, int Partition, long Offset, byte[]? Key, byte[] Value, DateTime TimestampUtc, CommittableOffset CommittableOffset);
