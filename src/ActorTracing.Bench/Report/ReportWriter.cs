namespace ActorTracing.Bench;

/// <summary>Writes report.json, report.md and the SVG charts (throughput, latency, memory when measured) into one directory.</summary>
public static class ReportWriter
{
    public static IReadOnlyList<string> Write(BenchReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        void Save(string name, string text)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, text);
            files.Add(path);
        }
        Save("report.json", BenchJson.Serialize(report, indented: true));
        Save("report.md", MarkdownReport.Render(report));
        Save("throughput.svg", ThroughputChart(report));
        Save("latency.svg", LatencyChart(report));
        // No memory scenario (a cluster target): no empty chart beside a report that explains why.
        if (report.Memory is not null)
        {
            Save("memory.svg", MemoryChart(report));
        }
        return files;
    }

    public static string ThroughputChart(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var t = report.Timeline;
        return SvgChart.Render(
            report.Target.IsCluster ? "Cluster throughput over the run (all nodes)" : "Node throughput over the run",
            "seconds since start",
            "spans per second",
            [
                new ChartSeries("received", "#1f77b4", t.Select(p => (p.Seconds, p.ReceivedPerSecond)).ToArray()),
                new ChartSeries("decided", "#ff7f0e", t.Select(p => (p.Seconds, p.DecidedPerSecond)).ToArray()),
                new ChartSeries("stored", "#2ca02c", t.Select(p => (p.Seconds, p.StoredPerSecond)).ToArray()),
            ]);
    }

    public static string LatencyChart(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        // Every point the run has: the latency runs (the target's load more than once in a full run) and the search steps.
        var points = report.Latency.Select(p => (p.OfferedSpansPerSecond, p.AckLatency))
            .Concat((report.Throughput?.Steps ?? []).Where(s => s.Measurement is not null).Select(s => (s.OfferedSpansPerSecond, s.Measurement!.AckLatency)))
            .OrderBy(p => p.Item1)
            .ToArray();
        ChartSeries Line(string name, string color, Func<LatencySummary, long> pick, bool dashed = false) =>
            new(name, color, points.Select(p => (p.Item1, pick(p.Item2) / 1000.0)).ToArray(), dashed, Markers: true);
        return SvgChart.Render(
            "Ack latency vs offered load",
            "offered spans per second",
            "ack latency (ms)",
            [
                Line("p50", "#1f77b4", l => l.P50),
                Line("p95", "#ff7f0e", l => l.P95),
                Line("p99", "#d62728", l => l.P99),
                Line("max", "#7f7f7f", l => l.Max, dashed: true),
            ]);
    }

    public static string MemoryChart(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var points = report.Memory?.Points ?? [];
        return SvgChart.Render(
            "Node memory vs buffered spans",
            "buffered spans",
            "MiB",
            [
                new ChartSeries("GC heap", "#1f77b4", points.Select(p => ((double)p.BufferedSpans, p.GcHeapBytes / 1048576.0)).ToArray()),
                new ChartSeries("RSS", "#d62728", points.Select(p => ((double)p.BufferedSpans, p.RssBytes / 1048576.0)).ToArray(), Dashed: true),
            ]);
    }
}
