using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

public sealed class MetricsTextSpec
{
    // The shapes /metrics serves (see MetricsExposition): plain, labelled, escaped labels, histogram.
    private const string Exposition = """
        # HELP actortracing_spans_received_total Spans admitted.
        # TYPE actortracing_spans_received_total counter
        actortracing_spans_received_total 1200
        actortracing_decisions_total{decision="kept",reason="rules/errors"} 3
        actortracing_decisions_total{decision="dropped",reason="drop/\"health\" checks, {all}"} 7
        actortracing_storage_rows_written_total{shard="http://127.0.0.1:8123/"} 10
        actortracing_storage_rows_written_total{shard="http://127.0.0.1:8124/"} 5
        actortracing_cluster_members{status="up"} 3
        actortracing_cluster_members{status="leaving"} 1
        actortracing_decision_latency_seconds_sum 102.002
        dotnet_gc_pause_time_seconds_total 1.5e-2
        """;

    [Fact]
    public void Samples_add_up_by_name_across_label_sets()
    {
        var m = MetricsText.Parse(Exposition);

        Assert.Equal(1200, m.Sum("actortracing_spans_received_total"));
        Assert.Equal(10, m.Sum("actortracing_decisions_total"));
        Assert.Equal(15, m.Sum("actortracing_storage_rows_written_total"));
        Assert.Equal(102.002, m.Sum("actortracing_decision_latency_seconds_sum"), 6);
        Assert.Equal(0.015, m.Sum("dotnet_gc_pause_time_seconds_total"), 6);
        Assert.Equal(0, m.Sum("absent_total"));
    }

    [Fact]
    public void One_label_value_selects_its_samples()
    {
        var m = MetricsText.Parse(Exposition);

        Assert.Equal(3, m.Sum("actortracing_cluster_members", "status", "up"));
        Assert.Equal(3, m.Sum("actortracing_decisions_total", "decision", "kept"));
    }
}
