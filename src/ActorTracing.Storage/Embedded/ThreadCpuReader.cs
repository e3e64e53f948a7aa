using System.Globalization;

namespace ActorTracing.Storage;

/// <summary>
/// CPU time (user + system) of a process's threads of one name, from /proc/PID/task: what the
/// embedded engine's merge threads took (<see cref="ChdbEngine.MergeCpuSeconds"/>, the node's
/// metric and the bench's report), which the process's own figure cannot tell apart from the
/// node's request and actor threads. A thread that appears later is found at the next scan
/// (the engine starts its merge threads when it first merges); one that exits stops counting
/// (merge threads live as long as the engine). Elsewhere (no /proc) the reading is zero.
/// </summary>
public sealed class ThreadCpuReader(int pid, string threadName, int rescanEvery = 20)
{
    private readonly List<string> _statPaths = [];
    private int _readsSinceScan;

    /// <summary>CPU seconds the named threads have used so far.</summary>
    public double CpuSeconds()
    {
        // Walking every thread's name (~150 files) on each sample would cost the node more than
        // the figure is worth: the threads are looked for now and then, and read each time.
        if (_statPaths.Count == 0 || ++_readsSinceScan >= rescanEvery)
        {
            Scan();
        }
        var total = 0.0;
        foreach (var path in _statPaths)
        {
            try
            {
                total += ParseCpuSeconds(File.ReadAllText(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Exited since the last scan; the next scan drops it.
            }
        }
        return total;
    }

    /// <summary>utime + stime (fields 14 and 15 of a /proc stat line, a process's or a thread's) in seconds.</summary>
    public static double ParseCpuSeconds(string stat)
    {
        ArgumentNullException.ThrowIfNull(stat);
        // The command name (field 2) is in parentheses and may hold spaces; fields are counted after it.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            throw new FormatException("not a /proc/PID/stat line: " + stat);
        }
        var fields = stat[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) fields[12].
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / ClockTicksPerSecond;
    }

    /// <summary>USER_HZ: the unit of /proc CPU times. 100 on every Linux build .NET runs on.</summary>
    public const double ClockTicksPerSecond = 100;

    private void Scan()
    {
        _readsSinceScan = 0;
        _statPaths.Clear();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == threadName)
                    {
                        _statPaths.Add(Path.Combine(task, "stat"));
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The thread exited while the directory was walked.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc (not Linux) or the process is gone: nothing to read.
        }
    }
}
