using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

/// <summary>Every report says what it measured: the embedded node, or a cluster and its nodes.</summary>
public sealed class ReportTargetSpec
{
    private static BenchReport Cluster()
    {
        var report = SampleReports.Complete() with
        {
            Target = new BenchTarget
            {
                Kind = BenchTarget.ClusterKind,
                Description = "cluster 'actortracing' (cluster.yml): 3 node processes in 2 regions (iad: iad-1, iad-2; sfo: sfo-1)",
                ClusterFile = "/repo/cluster.yml",
                Regions = ["iad", "sfo"],
                Storage = "2 ClickHouse server shards (http://127.0.0.1:8123/, http://127.0.0.1:8124/), database bench_x",
                LoadRouting = "by traffic-model region: iad → iad-1, iad-2; sfo → sfo-1",
                Nodes =
                [
                    new BenchTargetNode("iad-1", "iad", ["ingest", "process", "query"], 101, 12.5, 300L << 20, 40_000, 3_000, 0.4),
                    new BenchTargetNode("iad-2", "iad", ["ingest", "process"], 102, 10, 280L << 20, 39_000, 2_900, 0.3) { PeakUnconfirmed = 1_234, Redelivered = 0 },
                    new BenchTargetNode("sfo-1", "sfo", ["ingest", "process", "query"], 103, 9, 290L << 20, 30_000, 3_100, 0.2),
                ],
            },
            Memory = null,
            Skipped = [new SkippedScenario(SkippedScenario.Memory, "needs a node that holds every trace open")],
            Storage = SampleReports.Complete().Storage! with { Engine = "2 ClickHouse server shards, 18.16 schema" },
        };
        return report with { Targets = Targets.Evaluate(report) };
    }

    [Fact]
    public void The_embedded_report_says_it_measured_one_node_in_its_own_process()
    {
        var md = MarkdownReport.Render(SampleReports.Complete());

        Assert.Contains("**Target: one embedded node in its own process.**", md, StringComparison.Ordinal);
        Assert.DoesNotContain("| Node | Region |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cluster_report_names_its_nodes_and_regions_and_sums_node_figures()
    {
        var md = MarkdownReport.Render(Cluster());

        Assert.Contains("**Target: cluster 'actortracing' (cluster.yml): 3 node processes in 2 regions (iad: iad-1, iad-2; sfo: sfo-1).**", md, StringComparison.Ordinal);
        Assert.Contains("Load: by traffic-model region: iad → iad-1, iad-2; sfo → sfo-1.", md, StringComparison.Ordinal);
        Assert.Contains("| iad-2 | iad | ingest,process | 102 | 10.0 s | 280.0 MiB | 39,000 | 2,900 | 0.30 s | 1,234 / 0 |", md, StringComparison.Ordinal);
        Assert.Contains("| nodes (sum of 3) CPU | 150% of one core |", md, StringComparison.Ordinal);
        Assert.Contains("## 6. Storage (2 ClickHouse server shards, 18.16 schema, merged)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_report_with_durable_decisions_says_what_they_held_in_redis_per_decision()
    {
        var report = Cluster();
        var held = report with { Target = report.Target with { DecisionStore = new DecisionStoreUsage("127.0.0.1:6389", 200_000, 71_000_000) { CpuSeconds = 30, Seconds = 300 } } };
        var gone = report with { Target = report.Target with { DecisionStore = new DecisionStoreUsage("127.0.0.1:6389", 0, 0, "It was not possible to connect") } };

        Assert.Contains("Redis: durable decisions in Redis 127.0.0.1:6389: 200,000 held at the end in 67.7 MiB of Redis memory above the server's start (355 B per decision); redis-server used 30.0 s of CPU over the run's 300 s (10.0 % of a core).", MarkdownReport.Render(held), StringComparison.Ordinal);
        Assert.Contains("Redis: durable decisions in Redis 127.0.0.1:6389: not read at the end (It was not possible to connect).", MarkdownReport.Render(gone), StringComparison.Ordinal);
        Assert.DoesNotContain("Redis:", MarkdownReport.Render(report), StringComparison.Ordinal);
        Assert.Equal(355, new DecisionStoreUsage("r", 200_000, 71_000_000).BytesPerDecision);
    }

    [Fact]
    public void A_scenario_that_cannot_apply_to_a_cluster_is_reported_as_such_not_as_a_figure()
    {
        var report = Cluster();
        var md = MarkdownReport.Render(report);
        var memory = report.Targets.Single(t => t.Name == "Memory per buffered span");

        Assert.Null(memory.Met);
        Assert.Equal("not applicable to a cluster run", memory.Measured);
        Assert.Contains("## 3. Memory per buffered span\n\nNot applicable to this target: needs a node that holds every trace open", md.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("- 3. Memory per buffered span: needs a node that holds every trace open", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_report_has_no_memory_chart_and_its_json_keeps_the_target()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bench-target-spec-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = ReportWriter.Write(Cluster(), dir);
            var back = BenchJson.Deserialize<BenchReport>(File.ReadAllText(Path.Combine(dir, "report.json")));

            Assert.DoesNotContain("memory.svg", files.Select(Path.GetFileName));
            Assert.True(back.Target.IsCluster);
            Assert.Equal(3, back.Target.Nodes.Count);
            Assert.Equal(1_234, back.Target.Nodes[1].PeakUnconfirmed);
            Assert.Equal(SkippedScenario.Memory, back.Skipped.Single().Scenario);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
