using ActorTracing.Ingest;
using ActorTracing.Protocol.Pipeline;

namespace ActorTracing.Admin.Tests;

/// <summary>Known counters in every family the endpoint exposes, so each family has samples.</summary>
public static class MetricsFixture
{
    public static AdminSources Sources(Akka.Actor.ActorSystem system)
    {
        var gauges = new PipelineGauges();
        gauges.Accepted(5, 500);
        gauges.TraceOpened();
        gauges.TraceOpened();
        gauges.Decided(true, "rules/errors", "got_root", 3, TimeSpan.FromSeconds(2));
        gauges.Decided(false, "drop/\"health\"\nchecks", "got_root", 1, TimeSpan.FromSeconds(2));
        gauges.Late(1, keep: true);
        var latency = new DecisionLatencyHistogram();
        latency.Observe(TimeSpan.FromMilliseconds(2));
        latency.Observe(TimeSpan.FromSeconds(2));
        latency.Observe(TimeSpan.FromSeconds(100));
        var ingest = new IngestCounters();
        ingest.Answered(OtlpProtocols.HttpProtobuf, TimeSpan.FromMicroseconds(80));
        ingest.Answered(OtlpProtocols.HttpProtobuf, TimeSpan.FromMilliseconds(1.5));
        ingest.Answered(OtlpProtocols.HttpProtobuf, TimeSpan.FromMilliseconds(12));
        ingest.Answered(OtlpProtocols.Grpc, TimeSpan.FromMicroseconds(300));
        return new AdminSources(system) { Gauges = gauges, Ingest = ingest, Kafka = new KafkaIngestCounters(), Storage = new FakeStorageStats(), DecisionLatency = latency, Redelivery = new FixedRedeliveryStats() };
    }

    private sealed class FixedRedeliveryStats : IRedeliveryStats
    {
        public int UnconfirmedMessages => 3;

        public long UnconfirmedBytes => 4_096;

        public long Redelivered => 2;

        public long GivenUp => 0;
    }

    public static readonly IReadOnlyList<string> ExpectedSeries =
    [
        "actortracing_ingest_requests_total",
        "actortracing_ingest_spans_total",
        "actortracing_ingest_rejected_requests_total",
        "actortracing_ingest_request_duration_seconds_bucket",
        "actortracing_ingest_request_duration_seconds_sum",
        "actortracing_ingest_request_duration_seconds_count",
        "actortracing_kafka_records_total",
        "actortracing_kafka_retries_total",
        "actortracing_kafka_consumer_restarts_total",
        "actortracing_kafka_lag_refresh_failures_total",
        "actortracing_spans_received_total",
        "actortracing_buffered_traces",
        "actortracing_buffered_spans",
        "actortracing_buffered_bytes",
        "actortracing_buffer_span_slots",
        "actortracing_decisions_total",
        "actortracing_trace_completions_total",
        "actortracing_spans_kept_total",
        "actortracing_late_spans_total",
        "actortracing_decision_latency_seconds_bucket",
        "actortracing_decision_latency_seconds_sum",
        "actortracing_decision_latency_seconds_count",
        "actortracing_storage_pending_rows",
        "actortracing_storage_rows_written_total",
        "actortracing_storage_batches_written_total",
        "actortracing_storage_write_retries_total",
        "actortracing_storage_write_failures_total",
        "actortracing_storage_unencodable_spans_total",
        "actortracing_storage_last_write_duration_seconds",
        "actortracing_storage_write_duration_seconds_sum",
        "actortracing_storage_write_duration_seconds_count",
        "actortracing_cluster_members",
        "actortracing_cluster_unreachable_members",
        "actortracing_cluster_is_leader",
        "actortracing_redelivery_unconfirmed_messages",
        "actortracing_redelivery_unconfirmed_bytes",
        "actortracing_redelivered_messages_total",
        "actortracing_redelivery_given_up_total",
        "actortracing_buffer_free_chunks",
        "dotnet_total_memory_bytes",
        "dotnet_gc_committed_bytes",
        "process_resident_memory_bytes",
        "dotnet_gc_pause_time_seconds_total",
    ];
}
