using System.Runtime.InteropServices;

namespace ActorTracing.Storage;

/// <summary>
/// Keeps the .NET runtime's signal handlers across chDB's start-up. The runtime turns SIGSEGV
/// into NullReferenceException; ClickHouse installs its own fatal-signal handlers on connect, and
/// other embedders (Go, JVM) report that chdb_set_signal_handlers_enabled(0) and chdb_connect reset
/// the host's handlers to SIG_DFL as a side effect. Either way the first managed NRE would then
/// kill the process silently. So: snapshot every handler the host owns, and put back any that the
/// native calls replaced. Signals the host left at SIG_DFL are left to chDB.
/// </summary>
internal static unsafe class SignalHandlerGuard
{
    // glibc's struct sigaction is 152 bytes on x86-64; the slack covers other layouts.
    private const int SigactionSize = 256;
    private const int MaxSignal = 31;
    private const int SigKill = 9;
    private const int SigStop = 19;

    private static readonly Lazy<IntPtr> SigactionExport = new(() =>
    {
        var libc = NativeLibrary.Load("libc.so.6");
        return NativeLibrary.GetExport(libc, "sigaction");
    });

    /// <summary>Runs <paramref name="action"/> and restores the host handlers it replaced; returns how many were restored.</summary>
    public static int Run(Action action)
    {
        if (!OperatingSystem.IsLinux())
        {
            action();
            return 0;
        }

        var sigaction = (delegate* unmanaged<int, byte*, byte*, int>)SigactionExport.Value;
        var saved = new byte[(MaxSignal + 1) * SigactionSize];
        fixed (byte* savedPtr = saved)
        {
            for (var signal = 1; signal <= MaxSignal; signal++)
            {
                if (signal is SigKill or SigStop)
                {
                    continue;
                }
                _ = sigaction(signal, null, savedPtr + (signal * SigactionSize));
            }
        }

        action();

        var restored = 0;
        var current = stackalloc byte[SigactionSize];
        fixed (byte* savedPtr = saved)
        {
            for (var signal = 1; signal <= MaxSignal; signal++)
            {
                if (signal is SigKill or SigStop)
                {
                    continue;
                }
                var before = savedPtr + (signal * SigactionSize);
                var hostHandler = *(IntPtr*)before;
                if (hostHandler == IntPtr.Zero || sigaction(signal, null, current) != 0)
                {
                    continue;
                }
                // sa_handler/sa_sigaction is the first field of struct sigaction.
                if (*(IntPtr*)current != hostHandler)
                {
                    _ = sigaction(signal, before, null);
                    restored++;
                }
            }
        }
        return restored;
    }

    /// <summary>The installed handler address of <paramref name="signal"/> (0 = SIG_DFL); for tests.</summary>
    public static IntPtr CurrentHandler(int signal)
    {
        var sigaction = (delegate* unmanaged<int, byte*, byte*, int>)SigactionExport.Value;
        var current = stackalloc byte[SigactionSize];
        return sigaction(signal, null, current) == 0 ? *(IntPtr*)current : IntPtr.Zero;
    }
}
