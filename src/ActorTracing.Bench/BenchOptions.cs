namespace ActorTracing.Bench;

/// <summary>
/// How long and how hard `actortracing bench` measures. <see cref="Quick"/> fits in under two
/// minutes (short steps, coarse search); <see cref="Full"/> in under fifteen.
/// </summary>
public sealed record BenchOptions
{
    public string Mode { get; init; } = "quick";

    public string OutputDirectory { get; init; } = Path.Combine(".data", "bench-report");

    /// <summary>The embedded engine's directory (each run uses fresh databases in it); for a cluster run, the data root of its services, nodes and logs.</summary>
    public string DataDirectory { get; init; } = Path.Combine(".data", "bench");

    /// <summary>Protocol of the max-throughput search and the latency runs ("http" or "grpc"); the other gets one latency run at 80%.</summary>
    public string Protocol { get; init; } = "http";

    public long Seed { get; init; } = 4242;

    public TimeSpan LimitBudget { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan WarmUpRun { get; init; } = TimeSpan.FromSeconds(3);

    public double StartRate { get; init; } = 25_000;

    public double GrowthFactor { get; init; } = 2;

    /// <summary>The highest rate the search offers.</summary>
    public double Ceiling { get; init; } = 400_000;

    // Quick: 25k, 50k, 100k, 200k and two bisection steps — a bracket of 25 % instead of 50 %, still under two minutes.
    public int MaxSteps { get; init; } = 6;

    public double Resolution { get; init; } = 0.2;

    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Requests intended in the first part of a run are left out of its latency histogram (JIT, connection set-up).</summary>
    public TimeSpan StepWarmUp { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(4);

    public IReadOnlyList<double> LatencyFractions { get; init; } = [0.5, 0.8, 1.0];

    /// <summary>
    /// How many latency runs are made at <see cref="Targets.AckTargetFraction"/> in the search's
    /// protocol, back to back; the ack target is judged on the median of their p99s. One 30 s
    /// run's p99 is a handful of stalls (a young GC, an insert burst) and on this shared 2-core
    /// machine seven runs of one build at one load gave 15–73 ms: a single run is a sample.
    /// </summary>
    public int TargetFractionRuns { get; init; } = 1;

    /// <summary>
    /// Longest wait, before each latency run, for the target to go quiet (<see cref="BenchRunner.SettleCpuPercent"/>):
    /// the search's last steps at saturation leave the embedded engine merging their rows (its
    /// merge threads take idle cycles only), and a latency run must not start in that catch-up.
    /// Zero (the quick run, which must stay under two minutes) does not wait.
    /// </summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.Zero;

    public long MemorySpans { get; init; } = 100_000;

    public double MemoryRate { get; init; } = 50_000;

    public int Probes { get; init; } = 15;

    public TimeSpan ProbeDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan ProbeSkew { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>
    /// The ingest endpoint the stitching probe's second half goes to; it must be one of the
    /// target's ingest nodes (a node outside the target never sees the first half). Null picks one
    /// of another region than the first half's (<see cref="IngestRouting.Probe"/>); a single
    /// embedded node gets both halves, with two region resource attributes.
    /// </summary>
    public Uri? SecondIngestEndpoint { get; init; }

    public SustainCriteria Criteria { get; init; } = new();

    /// <summary>How many lower rates are tried when the searched maximum does not hold for a latency run's length.</summary>
    public int MaxConfirmRetries { get; init; } = 1;

    /// <summary>
    /// When set, the latency runs take this rate as 100 % instead of the searched maximum (the
    /// search still runs and is reported). On a shared machine the search lands on different
    /// steps from run to run, so two builds are only comparable at the same offered loads.
    /// </summary>
    public double? LatencyMax { get; init; }

    public static BenchOptions Quick { get; } = new();

    public static BenchOptions Full { get; } = new()
    {
        Mode = "full",
        LimitBudget = TimeSpan.FromSeconds(3),
        WarmUpRun = TimeSpan.FromSeconds(10),
        MaxSteps = 9,
        Resolution = 0.07,
        StepDuration = TimeSpan.FromSeconds(20),
        StepWarmUp = TimeSpan.FromSeconds(3),
        LatencyDuration = TimeSpan.FromSeconds(30),
        TargetFractionRuns = 3,
        SettleTimeout = TimeSpan.FromSeconds(45),
        MaxConfirmRetries = 2,
        MemorySpans = 1_000_000,
        MemoryRate = 50_000,
        Probes = 60,
    };
}
