using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>The committable source and the committer against librdkafka's mock cluster.</summary>
public sealed class CommittableSourceSpec : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Records_are_consumed_in_offset_order_per_partition_and_the_highest_offset_is_committed()
    {
        using var cluster = new MockKafkaCluster();
        for (var i = 0; i < 10; i++)
        {
            await cluster.ProduceAsync("spans", i % 2, [(byte)i]);
        }
        var settings = Settings(cluster, "order");
        var messages = new List<CommittableMessage>();
        var (control, committed) = KafkaConsumer.CommittableSource(settings, ["spans"])
            .Take(10)
            .Select(m =>
            {
                messages.Add(m);
                return m.CommittableOffset;
            })
            .ToMaterialized(Committer.Sink(new CommitterSettings { MaxBatch = 3, MaxInterval = TimeSpan.FromMilliseconds(100) }), Keep.Both)
            .Run(Sys.Materializer());

        // The sink completes after the last batch is committed (Take ends the stream).
        await committed.WaitAsync(Timeout);

        foreach (var partition in new[] { 0, 1 })
        {
            var inPartition = messages.Where(m => m.Partition == partition).ToList();
            Assert.Equal([0L, 1, 2, 3, 4], inPartition.Select(m => m.Offset));
            Assert.Equal(Enumerable.Range(0, 5).Select(i => (byte)(i * 2 + partition)), inPartition.Select(m => m.Value[0]));
        }
        Assert.Equal(5, cluster.Committed("order", "spans", 0));
        Assert.Equal(5, cluster.Committed("order", "spans", 1));
        await control.ShutdownAsync().WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_restarted_consumer_resumes_after_the_committed_offset()
    {
        using var cluster = new MockKafkaCluster();
        for (var i = 0; i < 6; i++)
        {
            await cluster.ProduceAsync("spans", 0, [(byte)i]);
        }
        var settings = Settings(cluster, "restart");

        // First run: commit records 0..2 only, then read 3 and 4 without committing them.
        var (first, firstReceived) = KafkaConsumer.CommittableSource(settings, ["spans"])
            .Take(5)
            .ToMaterialized(Sink.Seq<CommittableMessage>(), Keep.Both)
            .Run(Sys.Materializer());
        var firstMessages = await firstReceived.WaitAsync(Timeout);
        await firstMessages[2].CommittableOffset.CommitAsync().WaitAsync(Timeout);
        await first.ShutdownAsync().WaitAsync(Timeout);
        Assert.Equal(3, cluster.Committed("restart", "spans", 0));

        var (second, secondReceived) = KafkaConsumer.CommittableSource(settings, ["spans"])
            .Take(3)
            .ToMaterialized(Sink.Seq<CommittableMessage>(), Keep.Both)
            .Run(Sys.Materializer());
        var secondMessages = await secondReceived.WaitAsync(Timeout);
        await second.ShutdownAsync().WaitAsync(Timeout);

        // 3 and 4 were handled but not committed: read again (at-least-once); nothing is lost.
        Assert.Equal([3L, 4, 5], secondMessages.Select(m => m.Offset));
    }

    [Fact]
    public void The_committer_commits_the_next_offset_after_the_highest_per_partition()
    {
        var committer = new NullCommitter();
        var batch = new[] { (0, 4L), (1, 2L), (0, 7L), (0, 5L), (1, 1L) }
            .Select(p => new CommittableOffset(new Confluent.Kafka.TopicPartitionOffset("t", p.Item1, p.Item2), committer));

        var commits = Committer.Highest(batch).Single();

        Assert.Same(committer, commits.Committer);
        Assert.Equal(
            ["t [[0]] @8", "t [[1]] @3"],
            commits.Offsets.Select(o => o.ToString()).Order(StringComparer.Ordinal));
    }

    internal static ConsumerSettings Settings(MockKafkaCluster cluster, string group) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = group,
        LagRefreshInterval = TimeSpan.FromMilliseconds(200),
        Properties = MockKafkaCluster.FastGroupProperties,
    };

    private sealed class NullCommitter : IKafkaCommitter
    {
        public Task CommitAsync(IReadOnlyList<Confluent.Kafka.TopicPartitionOffset> offsets) => Task.CompletedTask;
    }
}
