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
    public const string SpinLimitProperty = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    // The thread pool reads the environment variable before the runtimeconfig property.
    private const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>How many times an idle thread-pool worker spins before it sleeps; null when the runtime's default applies.</summary>
    public static string? ThreadPoolSpinLimit =>
        Environment.GetEnvironmentVariable(SpinLimitVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Convert.ToString(AppContext.GetData(SpinLimitProperty), CultureInfo.InvariantCulture) is { Length: > 0 } configured ? configured : null;

    public static string Describe() =>
        RuntimeInformation.FrameworkDescription
        + (GCSettings.IsServerGC ? ", server GC" : ", workstation GC")
        + ", thread-pool spin limit " + (ThreadPoolSpinLimit ?? "default");
}
