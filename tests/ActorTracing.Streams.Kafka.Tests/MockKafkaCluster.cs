using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>
/// librdkafka's in-process mock cluster (real Kafka protocol on a loopback port). It lives inside
/// the producer handle created with <c>test.mock.num.brokers</c>; other clients reach it through
/// the broker address that producer's metadata reports. Topics are auto-created by the first
/// produce (the mock's CreateTopics waits for a controller it never elects: "Failed while waiting
/// for controller: Local: Timed out"), so tests produce before they consume.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;

    public MockKafkaCluster()
    {
        var config = new ProducerConfig { Acks = Acks.All, LingerMs = 0 };
        config.Set("test.mock.num.brokers", "1");
        _producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        var broker = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Single();
        BootstrapServers = $"{broker.Host}:{broker.Port}";
    }

    public string BootstrapServers { get; }

    /// <summary>
    /// Short group timeouts so a consumer that replaces a closed one is assigned partitions in
    /// seconds rather than after the default 45 s session timeout.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FastGroupProperties { get; } = new Dictionary<string, string>
    {
        ["session.timeout.ms"] = "6000",
        ["heartbeat.interval.ms"] = "500",
    };

    public async Task<TopicPartitionOffset> ProduceAsync(string topic, int partition, byte[] value)
    {
        var result = await _producer.ProduceAsync(new TopicPartition(topic, new Partition(partition)), new Message<byte[], byte[]> { Value = value });
        return result.TopicPartitionOffset;
    }

    public long Committed(string groupId, string topic, int partition)
    {
        var config = new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = groupId };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var committed = consumer.Committed([new TopicPartition(topic, new Partition(partition))], TimeSpan.FromSeconds(10)).Single();
        return committed.Offset.IsSpecial ? -1 : committed.Offset.Value;
    }

    public void Dispose() => _producer.Dispose();
}
