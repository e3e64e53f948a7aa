using ActorTracing.Ingest;
using ActorTracing.Streams.Kafka;

namespace ActorTracing.Admin.Tests;

/// <summary>The text the endpoint serves, line by line: types, labels, escaping, cumulative buckets.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MetricsExpositionSpec(TestCluster cluster)
{
    private string Render() => new MetricsExposition(MetricsFixture.Sources(cluster.Nodes[0].System)).Render();

    [Fact]
    public void Decisions_are_counters_by_decision_and_reason_with_escaped_labels()
    {
        var text = Render();
        Assert.Contains("# TYPE actortracing_decisions_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_decisions_total{decision=\"kept\",reason=\"rules/errors\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_decisions_total{decision=\"dropped\",reason=\"drop/\\\"health\\\"\\nchecks\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Decision_latency_is_a_cumulative_histogram_in_seconds()
    {
        var text = Render();
        Assert.Contains("# TYPE actortracing_decision_latency_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_decision_latency_seconds_bucket{le=\"0.005\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_decision_latency_seconds_bucket{le=\"2\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_decision_latency_seconds_bucket{le=\"60\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_decision_latency_seconds_bucket{le=\"+Inf\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_decision_latency_seconds_sum 102.002\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_decision_latency_seconds_count 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_request_duration_is_a_histogram_per_protocol_fine_below_a_few_milliseconds()
    {
        var text = Render();
        const string name = "actortracing_ingest_request_duration_seconds";
        Assert.Contains($"# TYPE {name} histogram\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_bucket{{protocol=\"http-protobuf\",le=\"0.0001\"}} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_bucket{{protocol=\"http-protobuf\",le=\"0.001\"}} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_bucket{{protocol=\"http-protobuf\",le=\"0.002\"}} 2\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_bucket{{protocol=\"http-protobuf\",le=\"0.025\"}} 3\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_count{{protocol=\"http-protobuf\"}} 3\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_bucket{{protocol=\"grpc\",le=\"0.00025\"}} 0\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_bucket{{protocol=\"grpc\",le=\"0.0005\"}} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"{name}_count{{protocol=\"http-json\"}} 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Redelivery_shows_what_owners_elsewhere_have_not_confirmed_and_is_absent_when_off()
    {
        var text = Render();
        Assert.Contains("# TYPE actortracing_redelivery_unconfirmed_messages gauge\nactortracing_redelivery_unconfirmed_messages 3\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_redelivery_unconfirmed_bytes 4096\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE actortracing_redelivered_messages_total counter\nactortracing_redelivered_messages_total 2\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_redelivery_given_up_total 0\n", text, StringComparison.Ordinal);
        var off = new MetricsExposition(MetricsFixture.Sources(cluster.Nodes[0].System) with { Redelivery = null }).Render();
        Assert.DoesNotContain("redeliver", off, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_and_cluster_families_carry_their_shard_and_status()
    {
        var text = Render();
        Assert.Contains("actortracing_storage_pending_rows{shard=\"embedded\"} 120\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_storage_write_duration_seconds_count{shard=\"embedded\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_cluster_members{status=\"up\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_cluster_is_leader 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Kafka_consumer_restarts_are_a_counter_beside_the_other_kafka_families()
    {
        var text = Render();
        Assert.Contains("# TYPE actortracing_kafka_consumer_restarts_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_kafka_consumer_restarts_total 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Kafka_lag_comes_with_its_age_in_seconds_and_the_count_of_failed_refreshes_that_let_it_age()
    {
        var kafka = new KafkaIngestCounters();
        kafka.LagFrom(() => [new PartitionLag("spans", 0, 4, 10, 6)], () => TimeSpan.FromSeconds(12.5));
        kafka.LagRefreshFailed();
        kafka.LagRefreshFailed();

        var text = new MetricsExposition(MetricsFixture.Sources(cluster.Nodes[0].System) with { Kafka = kafka }).Render();

        Assert.Contains("actortracing_kafka_consumer_lag{topic=\"spans\",partition=\"0\"} 6\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE actortracing_kafka_lag_age_seconds gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_kafka_lag_age_seconds 12.5\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE actortracing_kafka_lag_refresh_failures_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("actortracing_kafka_lag_refresh_failures_total 2\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_write_ahead_log_shows_its_bytes_segments_and_unconfirmed_requests_and_is_left_out_when_off()
    {
        var directory = Path.Combine(Path.GetTempPath(), "at-wal-metrics-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var log = ActorTracing.Ingest.Wal.IngestLog.Open(
                new ActorTracing.Ingest.Wal.IngestLogSettings { Directory = directory, SyncInterval = TimeSpan.Zero },
                "iad",
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            log.Confirm(log.Append(new byte[100]));
            log.Append(new byte[100]);

            var text = new MetricsExposition(MetricsFixture.Sources(cluster.Nodes[0].System) with { IngestLog = log }).Render();

            Assert.Contains("# TYPE actortracing_ingest_wal_bytes gauge\n", text, StringComparison.Ordinal);
            Assert.Contains($"actortracing_ingest_wal_bytes {log.Bytes}\n", text, StringComparison.Ordinal);
            Assert.Contains("actortracing_ingest_wal_segments 1\n", text, StringComparison.Ordinal);
            Assert.Contains("actortracing_ingest_wal_unconfirmed_requests 1\n", text, StringComparison.Ordinal);
            Assert.Contains("actortracing_ingest_wal_appended_requests_total 2\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("actortracing_ingest_wal", Render(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Kafka_lag_age_is_left_out_until_a_consumer_has_lag_figures()
    {
        var text = Render();
        Assert.Contains("actortracing_kafka_lag_refresh_failures_total 0\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("actortracing_kafka_lag_age_seconds", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_family_is_declared_once_before_its_samples()
    {
        var lines = Render().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var declared = lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToArray();
        Assert.Equal(declared.Length, declared.Distinct().Count());
        foreach (var sample in lines.Where(l => !l.StartsWith('#')))
        {
            var name = sample.Split('{', ' ')[0];
            Assert.Contains(declared, d => name == d || name.StartsWith(d + "_", StringComparison.Ordinal));
        }
    }
}
