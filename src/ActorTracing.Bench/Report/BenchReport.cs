namespace ActorTracing.Bench;

/// <summary>Everything one `actortracing bench` run measured; serialised as report.json and rendered as report.md.</summary>
public sealed record BenchReport
{
    public string Mode { get; init; } = "quick";

    public DateTimeOffset StartedUtc { get; init; }

    public double ElapsedSeconds { get; init; }

    public int Cores { get; init; }

    public string Machine { get; init; } = string.Empty;

    public string Runtime { get; init; } = string.Empty;

    /// <summary>What the run measured: the embedded node or a cluster's nodes.</summary>
    public BenchTarget Target { get; init; } = new();

    public PhysicalLimits? Limits { get; init; }

    public ThroughputResult? Throughput { get; init; }

    public IReadOnlyList<LatencyPoint> Latency { get; init; } = [];

    public MemoryResult? Memory { get; init; }

    public DecisionResult? Decision { get; init; }

    public SamplingResult? Sampling { get; init; }

    public StorageResult? Storage { get; init; }

    public IReadOnlyList<TargetCheck> Targets { get; init; } = [];

    public IReadOnlyList<TimelinePoint> Timeline { get; init; } = [];

    /// <summary>Every raw node sample the timeline and step figures were computed from, for re-analysis.</summary>
    public IReadOnlyList<NodeSample> Samples { get; init; } = [];

    /// <summary>Scenarios that do not apply to the target, with the reason (reported instead of a figure).</summary>
    public IReadOnlyList<SkippedScenario> Skipped { get; init; } = [];

    /// <summary>Caveats of this run (noise, skipped scenarios, errors), in the order they arose.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
