using System.Globalization;
using System.Runtime.InteropServices;

namespace ActorTracing.Node.Hosting;

/// <summary>
/// Sets the nice value of this process's threads by name: the runtime's server GC threads get a
/// higher priority (hocon/node.conf: gc-thread-nice), the embedded engine's merge threads a lower
/// one (hocon/storage.conf: embedded-merge-thread-nice).
/// </summary>
/// <remarks>
/// GC threads: during a blocking GC every managed thread is stopped and only the GC threads do
/// useful work, but the embedded engine's native threads (inserts, merges) are not stopped: on a
/// 2-core machine they took the cores from the GC threads and stretched gen0 pauses with ~1 MB of
/// survivors to 5–12 ms, and every request arriving meanwhile waited. With the GC threads at nice
/// -10 they preempt that native work for the length of a pause; between GCs they sleep and take
/// nothing. Applied once, at start: a GC thread the runtime creates later (DATAS adding heaps on a
/// larger machine) keeps the default. Merge threads: see
/// <see cref="ActorTracing.Storage.StorageSettings.EmbeddedMergeThreadNice"/>. Linux only
/// (setpriority on a thread id); elsewhere nothing changes.
/// </remarks>
internal static partial class ThreadNice
{
    /// <summary>Thread name (comm) of each server GC heap's thread.</summary>
    public const string ServerGcThreadName = ".NET Server GC";

    private const int PrioProcess = 0;

    /// <summary>
    /// Sets <paramref name="nice"/> on every thread of this process named <paramref name="threadName"/>.
    /// Returns how many threads were changed, or an error that says why not (raising priority
    /// needs CAP_SYS_NICE, which containers often drop). Never throws for a refused call.
    /// </summary>
    public static (int Changed, string? Error) Apply(int nice, string threadName, string taskDirectory = "/proc/self/task")
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(taskDirectory))
        {
            return (0, null);
        }
        var changed = 0;
        foreach (var task in Directory.EnumerateDirectories(taskDirectory))
        {
            if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid) || !HasName(task, threadName))
            {
                continue;
            }
            if (SetPriority(PrioProcess, tid, nice) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return (changed, $"setpriority({tid}, {nice}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); raising a thread's priority needs CAP_SYS_NICE");
            }
            changed++;
        }
        return (changed, null);
    }

    private static bool HasName(string task, string threadName)
    {
        try
        {
            return string.Equals(File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'), threadName, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // the thread ended while we looked
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);
}
