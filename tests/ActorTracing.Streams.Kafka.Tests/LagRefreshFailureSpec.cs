using System.Collections.Concurrent;
using ActorTracing.Ingest;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>
/// A periodic lag refresh that fails keeps the last figures, and that must be seen: reported by
/// the consumer, counted and logged by Kafka ingest. The mock cluster answers the committed-offsets
/// request of the next lag queries with an error, then serves them again.
/// </summary>
public sealed class LagRefreshFailureSpec() : TestKit("akka.loglevel = INFO")
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task A_failed_refresh_is_reported_and_the_lag_it_left_in_place_ages_until_a_refresh_succeeds()
    {
        using var cluster = new MockKafkaCluster();
        cluster.CreateTopic("spans", partitions: 1);
        for (var i = 0; i < 3; i++)
        {
            await cluster.ProduceAsync("spans", 0, [(byte)i]);
        }
        IConsumerControl? control = null;
        // The age as each outcome is reported: read later, the next refresh may have reset it.
        var outcomes = new ConcurrentQueue<(Exception? Failure, TimeSpan? Age)>();
        var settings = CommittableSourceSpec.Settings(cluster, "refresh-fails") with { OnLagRefresh = failure => outcomes.Enqueue((failure, control?.LagAge)) };
        (control, var received) = KafkaConsumer.CommittableSource(settings, ["spans"])
            .Take(3)
            .ToMaterialized(Sink.Seq<CommittableMessage>(), Keep.Both)
            .Run(Sys.Materializer());
        var messages = await received.WaitAsync(Timeout);
        await messages[^1].CommittableOffset.CommitAsync().WaitAsync(Timeout);
        await AwaitAssertAsync(() => Assert.Equal([(0, 3L, 0L)], Rows(control.Lag)), Timeout, Interval);
        // Partitions are assigned and their positions fetched: from here on every OffsetFetch the
        // broker sees is a lag query's.
        var before = outcomes.Count;

        cluster.FailNextLagQueries(ErrorCode.GroupAuthorizationFailed, 3);

        List<(Exception? Failure, TimeSpan? Age)> Streak() => outcomes.Skip(before).SkipWhile(o => o.Failure is null).ToList();
        await AwaitConditionAsync(() => Streak().Count >= 4, Timeout, Interval);
        var streak = Streak();
        Assert.All(streak[..3], o => Assert.Equal(ErrorCode.GroupAuthorizationFailed, Assert.IsAssignableFrom<KafkaException>(o.Failure).Error.Code));
        // The figures were answered before the first failed refresh started, and refreshes start
        // at least an interval apart.
        Assert.True(streak[2].Age >= 2 * settings.LagRefreshInterval, $"lag {streak[2].Age} old at the 3rd failed refresh, {settings.LagRefreshInterval} apart");
        Assert.Null(streak[3].Failure);
        Assert.True(streak[3].Age < settings.LagRefreshInterval, $"lag {streak[3].Age} old once a refresh succeeded");
        Assert.Equal([(0, 3L, 0L)], Rows(control.Lag));
        await control.ShutdownAsync().WaitAsync(Timeout);
    }

    [Fact]
    public async Task Kafka_ingest_counts_every_failed_refresh_but_logs_a_streak_once_as_a_warning_and_once_when_it_ends()
    {
        using var cluster = new MockKafkaCluster();
        cluster.CreateTopic("spans", partitions: 1);
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(1));
        await using var ingest = new KafkaIngest(KafkaIngestSpec.Settings(cluster, "refresh-fails"), "test-region", new RecordingIngress(), Sys);
        ingest.Start();
        await AwaitAssertAsync(() => Assert.Equal([(0, 1L, 0L)], Rows(ingest.Counters.Lag)), Timeout, Interval);
        var log = CreateTestProbe();
        Sys.EventStream.Subscribe(log.Ref, typeof(LogEvent));

        cluster.FailNextLagQueries(ErrorCode.GroupAuthorizationFailed, 3);

        // Each failure is logged (if at all) before the next refresh starts, so every warning of
        // the streak comes before the line that ends it.
        var warnings = new List<string>();
        var recovered = await log.FishForMessageAsync<LogEvent>(e =>
        {
            var text = e.Message?.ToString() ?? "";
            if (!text.Contains("Kafka lag refresh", StringComparison.Ordinal))
            {
                return false;
            }
            if (e is Warning)
            {
                warnings.Add(text);
            }
            return e is Info;
        }, Timeout);
        Assert.Contains("Group authorization failed", Assert.Single(warnings), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("after 3 failed in a row", recovered.Message.ToString(), StringComparison.Ordinal);
        Assert.Equal(3, ingest.Counters.LagRefreshFailures);
        Assert.NotNull(ingest.Counters.LagAge);
    }

    private static List<(int Partition, long Committed, long Lag)> Rows(IReadOnlyList<PartitionLag> lag) =>
        lag.Select(l => (l.Partition, l.Committed, l.Lag)).Order().ToList();
}
