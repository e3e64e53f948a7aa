using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

/// <summary>A complete report with round numbers, for rendering and target specs.</summary>
internal static class SampleReports
{
    public static BenchReport Complete(double maxRate = 250_000, long p99At80Micros = 1_500, double gcBytesPerSpan = 350, double bytesPerRow = 25)
    {
        var atMax = new StepMeasurement
        {
            OfferedSpansPerSecond = maxRate, DurationSeconds = 10, SentSpans = (long)maxRate * 10, ReceivedSpans = (long)maxRate * 10,
            DecidedSpansPerSecond = maxRate, KeptSpans = (long)maxRate, StoredRows = (long)maxRate, NodeCpuPercent = 150, GeneratorCpuPercent = 40,
            AckLatency = new LatencySummary(1000, 800, 700, 900, 1000, 1800, 2500, 4000),
        };
        var report = new BenchReport
        {
            Mode = "quick",
            StartedUtc = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero),
            ElapsedSeconds = 100,
            Cores = 2,
            Machine = "test",
            Runtime = ".NET",
            Limits = new PhysicalLimits(1_000_000, 500_000, 10_000, 400_000, 5_000_000, 360, 50, 40_000),
            Throughput = new ThroughputResult("http", maxRate, maxRate * 1.1, "bracketed within 9%", atMax,
                [new SearchStep(0, maxRate, true, [], atMax), new SearchStep(1, maxRate * 1.1, false, ["ack p99 1,200 ms > 1,000 ms (requests queueing)"], atMax with { OfferedSpansPerSecond = maxRate * 1.1 })]),
            Latency =
            [
                new LatencyPoint("http", 0.5, maxRate * 0.5, maxRate * 0.5, new LatencySummary(10, 500, 400, 600, 700, 900, 900, 1000), 0, 0, 80, 20),
                new LatencyPoint("http", 0.8, maxRate * 0.8, maxRate * 0.8, new LatencySummary(10, 900, 700, 1000, 1200, p99At80Micros, p99At80Micros, 3000), 0, 0, 120, 30, NodeAnswered: new NodeAnswerLatency(48_000, 0.07, 1.6, 7.25)),
            ],
            Memory = new MemoryResult(100_000, 25_000, 10_000_000, 10_000_000 + (long)(gcBytesPerSpan * 100_000), 400_000_000, 430_000_000, gcBytesPerSpan, 300, 316, [new MemoryPoint(0, 10_000_000, 400_000_000), new MemoryPoint(100_000, 45_000_000, 430_000_000)]),
            Decision = new DecisionResult(2000, 2030, 5000, new LatencySummary(15, 2100, 2100, 2150, 2170, 2180, 2180, 2180), 15, 0, new LatencySummary(15, 2100, 2100, 2150, 2170, 2200, 2200, 2200), 15, 0, 200, 30, "one node"),
            Sampling = new SamplingResult(10_000, 40_000, 40_000, 3_600, 0.09, 150, 150, 100, 100, 900, 900, 0, true, new Dictionary<string, long> { ["api"] = 600, ["static"] = 300 }),
            Storage = new StorageResult(100_000, (long)(bytesPerRow * 100_000), 2_000_000, 20_000_000, bytesPerRow, 10),
            Timeline = [new TimelinePoint(1, "step 1", 100_000, 0, 0, 100_000, 500_000_000, 150), new TimelinePoint(2, "step 1", 100_000, 100_000, 9_000, 200_000, 510_000_000, 160)],
            Notes = ["machine was busy"],
        };
        return report with { Targets = Targets.Evaluate(report) };
    }
}
