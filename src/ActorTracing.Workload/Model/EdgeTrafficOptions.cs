namespace ActorTracing.Workload;

/// <summary>
/// The traffic mix of <see cref="EdgeTrafficModel"/>. Rates are fractions of ALL traces; the
/// category shares split the traces that are not health checks. Defaults are the mix the demo and
/// the benchmark use, taken from what edge platforms publish about their traffic.
/// </summary>
public sealed record EdgeTrafficOptions
{
    public static EdgeTrafficOptions Default { get; } = new();

    /// <summary>Share of API calls among non-health-check traces.</summary>
    public double ApiShare { get; init; } = 0.30;

    /// <summary>Share of static-asset requests among non-health-check traces.</summary>
    public double StaticShare { get; init; } = 0.55;

    /// <summary>Share of edge-function invocations among non-health-check traces.</summary>
    public double EdgeFunctionShare { get; init; } = 0.15;

    /// <summary>Fraction of all traces that are <c>/healthz</c> probes (never errors, slow or cross-region).</summary>
    public double HealthCheckRate { get; init; } = 0.03;

    /// <summary>Fraction of all traces with a span in status ERROR and an exception event.</summary>
    public double ErrorRate { get; init; } = 0.015;

    /// <summary>Fraction of all traces whose root lasts longer than 2 s.</summary>
    public double SlowRate { get; init; } = 0.01;

    /// <summary>Fraction of all traces with spans exported by a second region.</summary>
    public double CrossRegionRate { get; init; } = 0.10;

    /// <summary>Largest clock offset of a remote region, either sign (±).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MinExportDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxExportDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Throws naming the first option that is out of range.</summary>
    public void Validate()
    {
        Require(ApiShare >= 0 && StaticShare >= 0 && EdgeFunctionShare >= 0 && ApiShare + StaticShare + EdgeFunctionShare > 0,
            nameof(ApiShare) + "/" + nameof(StaticShare) + "/" + nameof(EdgeFunctionShare), "must be >= 0 and not all zero");
        Require(HealthCheckRate is >= 0 and < 1, nameof(HealthCheckRate), "must be in [0, 1)");
        var nonHealth = 1 - HealthCheckRate;
        Require(ErrorRate >= 0 && ErrorRate <= nonHealth, nameof(ErrorRate), "must be in [0, 1 - HealthCheckRate]");
        Require(SlowRate >= 0 && SlowRate <= nonHealth, nameof(SlowRate), "must be in [0, 1 - HealthCheckRate]");
        Require(CrossRegionRate >= 0 && CrossRegionRate <= nonHealth, nameof(CrossRegionRate), "must be in [0, 1 - HealthCheckRate]");
        Require(MaxClockSkew >= TimeSpan.Zero, nameof(MaxClockSkew), "must be >= 0");
        Require(MinExportDelay >= TimeSpan.Zero && MaxExportDelay >= MinExportDelay, nameof(MaxExportDelay), "must be >= MinExportDelay >= 0");
    }

    private static void Require(bool condition, string option, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"EdgeTrafficOptions.{option} {rule}", option);
        }
    }
}
