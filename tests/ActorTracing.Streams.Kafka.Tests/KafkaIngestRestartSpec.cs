using ActorTracing.Ingest;
using Akka.TestKit.Xunit2;
using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>
/// Kafka ingest replaces a consumer whose stream failed, against librdkafka's mock cluster. The
/// failures are the broker's: the mock answers an offset commit with an error, reports the topic
/// as not authorized, or drops a consumer that stopped polling for longer than max.poll.interval.ms.
/// </summary>
public sealed class KafkaIngestRestartSpec : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task A_consumer_whose_commit_the_broker_refuses_is_replaced_and_the_new_one_delivers_every_record()
    {
        using var cluster = new MockKafkaCluster();
        for (var i = 0; i < 3; i++)
        {
            await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(i));
        }
        // The first consumer's first commit fails: its stream fails with the broker's error.
        cluster.FailNextCommits(ErrorCode.GroupAuthorizationFailed);
        var ingress = new RecordingIngress();
        await using var ingest = Ingest(cluster, "commit-refused", ingress);

        await EventFilter.Custom(e => e is Akka.Event.Error { Cause: KafkaException { Error.Code: ErrorCode.GroupAuthorizationFailed } } error
                && error.Message?.ToString()?.Contains("Kafka ingest consumer failed", StringComparison.Ordinal) == true)
            .ExpectOneAsync(Timeout, () =>
            {
                ingest.Start();
                return AwaitConditionAsync(() => ingest.Counters.ConsumerRestarts == 1, Timeout, Interval);
            });

        await AwaitAssertAsync(() => Assert.Equal(3, cluster.Committed("commit-refused", "spans", 0)), Timeout, Interval);
        for (var i = 3; i < 5; i++)
        {
            await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(i));
        }
        await AwaitAssertAsync(() => Assert.Equal(5, cluster.Committed("commit-refused", "spans", 0)), Timeout, Interval);

        // The failed consumer accepted a prefix of 0..2 but committed nothing; its replacement
        // starts again from the committed offset (none yet), so that prefix comes twice (at least
        // once) and then everything produced after the failure, in order.
        var accepted = ingress.Accepted.ToList();
        var firstConsumer = accepted.SkipLast(5).ToList();
        Assert.NotEmpty(firstConsumer);
        Assert.Equal(Enumerable.Range(0, firstConsumer.Count), firstConsumer);
        Assert.Equal([0, 1, 2, 3, 4], accepted.TakeLast(5));
        Assert.Equal(1, ingest.Counters.ConsumerRestarts);
    }

    [Fact]
    public async Task A_consumer_that_loses_access_to_its_topic_is_restarted_until_the_topic_is_readable_again_and_nothing_is_lost()
    {
        using var cluster = new MockKafkaCluster();
        for (var i = 0; i < 3; i++)
        {
            await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(i));
        }
        var ingress = new RecordingIngress();
        // Metadata refreshed every 200 ms (default 5 min) so the consumer learns of the refusal at once.
        await using var ingest = Ingest(cluster, "topic-denied", ingress, properties: new Dictionary<string, string>(MockKafkaCluster.FastGroupProperties)
        {
            ["topic.metadata.refresh.interval.ms"] = "200",
        });
        ingest.Start();
        await AwaitAssertAsync(() => Assert.Equal(3, cluster.Committed("topic-denied", "spans", 0)), Timeout, Interval);

        // The broker now refuses the topic (an ACL revoked): librdkafka surfaces it from the next
        // poll, which fails the source; each replacement fails the same way until access is back.
        cluster.SetTopicError("spans", ErrorCode.TopicAuthorizationFailed);
        await AwaitConditionAsync(() => ingest.Counters.ConsumerRestarts >= 2, Timeout, Interval);
        cluster.SetTopicError("spans", ErrorCode.NoError);
        for (var i = 3; i < 5; i++)
        {
            await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(i));
        }

        await AwaitAssertAsync(() => Assert.Equal(5, cluster.Committed("topic-denied", "spans", 0)), Timeout, Interval);
        // 0..2 were committed before the failure, so the consumer that got through starts after
        // them: every record exactly once.
        Assert.Equal([0, 1, 2, 3, 4], ingress.Accepted);
    }

    [Fact]
    public async Task Stopping_while_a_restart_waits_out_its_backoff_returns_at_once_and_starts_no_consumer()
    {
        using var cluster = new MockKafkaCluster();
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(1));
        cluster.FailNextCommits(ErrorCode.GroupAuthorizationFailed);
        var ingress = new RecordingIngress();
        var ingest = Ingest(cluster, "stop-in-backoff", ingress, TimeSpan.FromMinutes(10));
        ingest.Start();
        await AwaitConditionAsync(() => ingest.Counters.ConsumerRestarts == 1, Timeout, Interval);

        // The next consumer is 10 minutes away; a stop that waited for it would time out here.
        await ingest.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(ingest.Completion.IsCompletedSuccessfully);
        Assert.Empty(await ingest.QueryLagAsync());
        Assert.Equal([1], ingress.Accepted);
        Assert.Equal(-1, cluster.Committed("stop-in-backoff", "spans", 0));
    }

    [Fact]
    public async Task A_refusal_longer_than_the_max_poll_interval_ends_in_a_new_consumer_that_delivers_every_record()
    {
        using var cluster = new MockKafkaCluster();
        for (var i = 0; i < 4; i++)
        {
            await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(i));
        }
        var ingress = new RecordingIngress(refusing: true);
        // One record in the poll buffer: with record 0 refused and record 1 buffered, the poll
        // thread holds record 2 and stops polling, which librdkafka reports after 1 s.
        await using var ingest = Ingest(cluster, "max-poll", ingress, maxPollBatch: 1, properties: new Dictionary<string, string>
        {
            ["session.timeout.ms"] = "1000",
            ["heartbeat.interval.ms"] = "200",
            ["max.poll.interval.ms"] = "1000",
            ["fetch.wait.max.ms"] = "20",
        });
        ingest.Start();
        // 40 refusals 50 ms apart: the consumer has not polled for 2 s, past the 1 s interval.
        await AwaitConditionAsync(() => ingress.Refusals >= 40, Timeout, Interval);
        Assert.Equal(0, ingest.Counters.ConsumerRestarts);

        ingress.Refusing = false;

        await AwaitAssertAsync(() => Assert.Equal(4, cluster.Committed("max-poll", "spans", 0)), Timeout, Interval);
        Assert.Equal(1, ingest.Counters.ConsumerRestarts);
        Assert.Equal([0, 1, 2, 3], ingress.Accepted.Distinct().Order());
    }

    private KafkaIngest Ingest(MockKafkaCluster cluster, string group, RecordingIngress ingress, TimeSpan? minBackoff = null, int maxPollBatch = KafkaIngestSettings.DefaultMaxPollBatch, IReadOnlyDictionary<string, string>? properties = null) => new(
        KafkaIngestSpec.Settings(cluster, group) with
        {
            MaxPollBatch = maxPollBatch,
            RestartMinBackoff = minBackoff ?? TimeSpan.FromMilliseconds(100),
            RestartMaxBackoff = minBackoff ?? TimeSpan.FromMilliseconds(400),
            Properties = properties ?? MockKafkaCluster.FastGroupProperties,
        },
        "test-region",
        ingress,
        Sys);
}
