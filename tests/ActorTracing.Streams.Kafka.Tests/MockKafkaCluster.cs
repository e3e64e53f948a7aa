using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>
/// librdkafka's in-process mock cluster (real Kafka protocol on a loopback port), hosted by a bare
/// librdkafka handle (<see cref="LibrdkafkaMock"/>) so tests can also inject broker errors. Topics
/// are auto-created by the first produce (the mock's CreateTopics waits for a controller it never
/// elects: "Failed while waiting for controller: Local: Timed out"), so tests produce before they
/// consume.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private readonly nint _host;
    private readonly nint _cluster;
    private readonly IProducer<byte[], byte[]> _producer;

    public MockKafkaCluster()
    {
        _host = LibrdkafkaMock.NewClusterHost(brokers: 1);
        _cluster = LibrdkafkaMock.Cluster(_host);
        // The mock waits 3 s for more members before it assigns partitions to an empty group (as a
        // broker's group.initial.rebalance.delay.ms does); a test's single consumer needs no wait,
        // and every consumer that replaces a closed one would pay it again.
        LibrdkafkaMock.SetInitialRebalanceDelay(_cluster, TimeSpan.Zero);
        BootstrapServers = LibrdkafkaMock.Bootstraps(_cluster);
        _producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = BootstrapServers, Acks = Acks.All, LingerMs = 0 }).Build();
    }

    public string BootstrapServers { get; }

    /// <summary>
    /// Short group timeouts so a consumer that replaces a closed one is assigned partitions in
    /// seconds: when a member leaves, the mock holds the next join for the session timeout minus
    /// 1 s (the default 45 s would hold it 44 s). A short fetch wait because the mock answers a
    /// Fetch that finds no records only when the wait is over, even if records arrive meanwhile (a
    /// real broker answers as soon as they do): at the default 500 ms a record produced for a caught-up
    /// consumer would arrive up to 500 ms late, and every lag query, which shares the consumer's
    /// connection and so is answered after that Fetch, would take as long.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FastGroupProperties { get; } = new Dictionary<string, string>
    {
        ["session.timeout.ms"] = "3000",
        ["heartbeat.interval.ms"] = "500",
        ["fetch.wait.max.ms"] = "20",
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

    /// <summary>Creates <paramref name="topic"/> with exactly <paramref name="partitions"/> partitions (auto-creation by a produce makes the mock's default 4).</summary>
    public void CreateTopic(string topic, int partitions) => LibrdkafkaMock.CreateTopic(_cluster, topic, partitions);

    /// <summary>The broker answers the next <paramref name="count"/> offset commits (from any consumer) with <paramref name="error"/>.</summary>
    public void FailNextCommits(ErrorCode error, int count = 1) => FailNext(LibrdkafkaMock.OffsetCommitApiKey, error, count);

    /// <summary>
    /// The broker answers the next <paramref name="count"/> committed-offsets requests (OffsetFetch,
    /// from any client) with <paramref name="error"/>: each lag query sends one, and a consumer
    /// sends its own only when partitions are assigned to it.
    /// </summary>
    public void FailNextLagQueries(ErrorCode error, int count) => FailNext(LibrdkafkaMock.OffsetFetchApiKey, error, count);

    /// <summary>The broker reports <paramref name="error"/> for <paramref name="topic"/> in metadata until <see cref="ErrorCode.NoError"/> is set.</summary>
    public void SetTopicError(string topic, ErrorCode error) => LibrdkafkaMock.SetTopicError(_cluster, topic, error);

    private void FailNext(short apiKey, ErrorCode error, int count) =>
        LibrdkafkaMock.PushRequestErrors(_cluster, apiKey, Enumerable.Repeat(error, count).ToArray());

    public void Dispose()
    {
        _producer.Dispose();
        LibrdkafkaMock.Destroy(_host);
    }
}
