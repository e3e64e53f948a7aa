namespace ActorTracing.Streams.Kafka;

/// <summary>
/// Lag of one assigned partition: records between the group's committed offset and the high
/// watermark. <see cref="Committed"/> is -1 when the group has committed nothing there yet (the lag
/// then counts from the low watermark).
/// </summary>
public sealed record PartitionLag(string Topic, int Partition, long Committed, long HighWatermark, long Lag);
