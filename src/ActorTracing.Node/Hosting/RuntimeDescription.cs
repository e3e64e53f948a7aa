using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace ActorTracing.Node.Hosting;

/// <summary>
/// The runtime settings a node process runs with, in one line (the node logs it at start; the
/// bench's report names its node's). The settings are process-wide and fixed at start, so they
/// live in the CLI's runtimeconfig (see ActorTracing.Cli.csproj), not in HOCON.
/// </summary>
public static class RuntimeDescription
{
    private const string SpinLimitProperty = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    /// <summary>
    /// How many times an idle thread-pool worker spins before it sleeps, read the way the runtime
    /// reads it: DOTNET_/COMPlus_ThreadPool_UnfairSemaphoreSpinLimit (hexadecimal) before the
    /// runtimeconfig property; null when neither is set (the runtime's default, 70).
    /// </summary>
    public static int? ThreadPoolSpinLimit => SpinLimit(
        Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit")
            ?? Environment.GetEnvironmentVariable("COMPlus_ThreadPool_UnfairSemaphoreSpinLimit"),
        AppContext.GetData(SpinLimitProperty));

    /// <summary>The spin limit from the environment variable's text (hexadecimal, as the runtime reads it) or else the runtimeconfig value.</summary>
    internal static int? SpinLimit(string? variable, object? configured)
    {
        if (ParseHex(variable) is { } fromEnvironment && fromEnvironment <= int.MaxValue)
        {
            return (int)fromEnvironment;
        }
        return int.TryParse(Convert.ToString(configured, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fromConfig)
            ? fromConfig
            : null;
    }

    /// <summary>DATAS's target share of time in GC as the GC itself read it (System.GC.DTargetTCP / DOTNET_GCDTargetTCP).</summary>
    public static string DatasTarget => DescribeDatasTarget(GC.GetConfigurationVariables().GetValueOrDefault("GCDTargetTCP"));

    /// <summary>"5 %", or "default (2 %)" when the GC was not given one (it reports 0).</summary>
    internal static string DescribeDatasTarget(object? configured)
        => long.TryParse(Convert.ToString(configured, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent) && percent > 0
            ? percent.ToString(CultureInfo.InvariantCulture) + " %"
            : "default (2 %)";

    private const string TieringDelayVariable = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>
    /// Runtime settings with no runtimeconfig name, so whatever starts a node sets them as
    /// environment variables: ./actortracing, docker/Dockerfile, and the bench and `up` for the
    /// processes they start (SelfCommand). A variable already set is left as set.
    /// </summary>
    /// <remarks>
    /// DOTNET_TC_CallCountingDelayMs = 0: the runtime starts counting calls towards a method's
    /// optimized (tier-1) code only after 100 ms without new tier-0 JIT work, and a node that
    /// starts under full load keeps JIT-ing new methods for seconds, so its hot paths run
    /// unoptimized all that time. A fresh bench node fed 240k spans/s from its first second (40 s
    /// runs, three each): ack p99 3.7 / 3.4 / 3.8 s and behind for 15–18 s with the default, 0.85 /
    /// 1.5 / 0.69 s and caught up in 3–6 s at 0. A warm node is unaffected (every hot method is
    /// optimized by then); it costs some JIT of methods called 30 times at start.
    /// </remarks>
    public static IReadOnlyList<(string Name, string Value)> LauncherEnvironment { get; } = [(TieringDelayVariable, "0")];

    /// <summary>The tier-1 call-counting delay in force, as the runtime reads its variable (hexadecimal).</summary>
    public static string TieringDelay => DescribeTieringDelay(
        Environment.GetEnvironmentVariable(TieringDelayVariable) ?? Environment.GetEnvironmentVariable("COMPlus_TC_CallCountingDelayMs"));

    /// <summary>"0 ms", or "default (100 ms)" when the variable is unset or unparsable.</summary>
    internal static string DescribeTieringDelay(string? variable)
        => ParseHex(variable) is { } ms ? ms.ToString(CultureInfo.InvariantCulture) + " ms" : "default (100 ms)";

    /// <summary>A runtime setting's variable as the runtime reads it: hexadecimal, with or without 0x; null when unset or unparsable.</summary>
    private static uint? ParseHex(string? variable)
        => variable is not null
            && uint.TryParse(variable.StartsWith("0x", StringComparison.Ordinal) ? variable[2..] : variable, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    public static string Describe() =>
        RuntimeInformation.FrameworkDescription
        + (GCSettings.IsServerGC ? ", server GC" : ", workstation GC")
        + ", DATAS target " + DatasTarget
        + ", thread-pool spin limit " + (ThreadPoolSpinLimit is { } limit ? limit.ToString(CultureInfo.InvariantCulture) : "default")
        + ", tier-1 call-counting delay " + TieringDelay;
}
