using System.Globalization;

namespace ActorTracing.Bench;

/// <summary>
/// One run of the load generator process: what `actortracing loadgen` is told on its command
/// line. <see cref="ToArguments"/> is the single place the bench spells those switches.
/// </summary>
public sealed record LoadGenRequest
{
    public LoadGenMode Mode { get; init; } = LoadGenMode.Load;

    /// <summary>"http" (OTLP/HTTP protobuf) or "grpc".</summary>
    public string Protocol { get; init; } = "http";

    /// <summary>The ingest endpoint (the first region's, in probe mode).</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The second region's ingest endpoint for probe mode; null sends both halves to <see cref="Endpoint"/>.</summary>
    public Uri? SecondEndpoint { get; init; }

    /// <summary>
    /// Load mode against several nodes: each request goes to a route of its traffic-model region
    /// (<see cref="RoutingOtlpSender"/>); a region without a route goes to <see cref="Endpoint"/>.
    /// Empty sends everything to <see cref="Endpoint"/>.
    /// </summary>
    public IReadOnlyList<LoadRoute> Routes { get; init; } = [];

    public double SpansPerSecond { get; init; } = 10_000;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests intended in this first part of the run are sent but left out of the latency histogram.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.Zero;

    /// <summary>Seed of the traffic model. Every run against one node needs its own: the same seed regenerates the same trace ids.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Requests in flight at once; by default <see cref="ConcurrencyFor"/> the <see cref="Routes"/>.</summary>
    public int Concurrency
    {
        get => _concurrency ?? ConcurrencyFor(Routes);
        init => _concurrency = value;
    }

    private readonly int? _concurrency;

    /// <summary>Requests in flight per node the load goes to.</summary>
    public const int ConcurrencyPerEndpoint = 4;

    /// <summary>
    /// As many requests in flight per node as a standalone run gives its one node: a run against
    /// three nodes with 4 in flight in all held the generator at ~4 requests per round trip, and
    /// its gRPC sends (whose round trips are the longest) fell behind the schedule at 80 % of the
    /// maximum in every cluster run (a p50 of 1.1–1.4 s).
    /// </summary>
    public static int ConcurrencyFor(IReadOnlyList<LoadRoute> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        return ConcurrencyPerEndpoint * Math.Max(1, routes.Select(r => r.Endpoint).Distinct().Count());
    }

    /// <summary>Write every generated trace's ground truth here (TSV) when set.</summary>
    public string? TruthFile { get; init; }

    public int ProbeTraces { get; init; } = 20;

    /// <summary>Time between probe traces.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How much later the second half is exported (its region's export delay).</summary>
    public TimeSpan ProbeDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Clock offset of the second half's timestamps (a remote region's clock skew), either sign.</summary>
    public TimeSpan ProbeSkew { get; init; } = TimeSpan.FromMilliseconds(30);

    public string ProbeRegion { get; init; } = "iad";

    /// <summary>The second half's region; equal to <see cref="ProbeRegion"/> for a single-region probe.</summary>
    public string ProbeSecondRegion { get; init; } = "fra";

    public IReadOnlyList<string> ToArguments()
    {
        var args = new List<string>
        {
            "loadgen",
            "--json",
            "--mode", Mode == LoadGenMode.Probe ? "probe" : "load",
            "--protocol", Protocol,
            "--endpoint", Endpoint.ToString(),
            "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (Mode == LoadGenMode.Load)
        {
            args.AddRange(["--rate", Num(SpansPerSecond), "--duration", Ms(Duration), "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture)]);
            if (WarmUp > TimeSpan.Zero)
            {
                args.AddRange(["--warmup", Ms(WarmUp)]);
            }
            if (TruthFile is not null)
            {
                args.AddRange(["--truth", TruthFile]);
            }
            if (Routes.Count > 0)
            {
                args.AddRange(["--routes", LoadRoute.Format(Routes)]);
            }
        }
        else
        {
            if (SecondEndpoint is not null)
            {
                args.AddRange(["--endpoint2", SecondEndpoint.ToString()]);
            }
            args.AddRange([
                "--traces", ProbeTraces.ToString(CultureInfo.InvariantCulture),
                "--interval", Ms(ProbeInterval),
                "--region", ProbeRegion,
                "--region2", ProbeSecondRegion,
            ]);
            // Zero is the switch left out: the CLI's durations are positive.
            if (ProbeSkew != TimeSpan.Zero)
            {
                args.AddRange(["--skew", Ms(ProbeSkew.Duration())]);
            }
            if (ProbeDelay > TimeSpan.Zero)
            {
                args.AddRange(["--delay", Ms(ProbeDelay)]);
            }
        }
        return args;
    }

    private static string Num(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Ms(TimeSpan value) => Num(value.TotalMilliseconds) + "ms";
}
