using System.Diagnostics;
using System.Globalization;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>
/// Reads CPU time and memory of a process, and the machine's CPU counters, from Linux /proc. The
/// parsers are separate and pure so they are tested on fixed text. Elsewhere (no /proc) readings
/// are zero rather than failing a run.
/// </summary>
public static class ProcReader
{
    /// <summary>USER_HZ: the unit of /proc CPU times. 100 on every Linux build .NET runs on.</summary>
    public const double ClockTicksPerSecond = ThreadCpuReader.ClockTicksPerSecond;

    public static ProcSnapshot Read(int pid)
    {
        var now = Stopwatch.GetTimestamp();
        var ticks = (long)(now * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency));
        var (cpu, rss, peak) = (0.0, 0L, 0L);
        var (busy, total) = (0L, 0L);
        try
        {
            cpu = ParseCpuSeconds(File.ReadAllText($"/proc/{pid}/stat"));
            (rss, peak) = ParseStatusMemory(File.ReadAllText($"/proc/{pid}/status"));
            (busy, total) = ParseMachineJiffies(File.ReadLines("/proc/stat").First());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            // The process may have exited between two samples; a zero reading is marked by RssBytes == 0.
        }
        return new ProcSnapshot(ticks, cpu, rss, peak, busy, total);
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/PID/stat) in seconds.</summary>
    public static double ParseCpuSeconds(string stat) => ThreadCpuReader.ParseCpuSeconds(stat);

    /// <summary>VmRSS and VmHWM of /proc/PID/status in bytes.</summary>
    public static (long Rss, long PeakRss) ParseStatusMemory(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        long rss = 0, peak = 0;
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = KiloBytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = KiloBytes(line);
            }
        }
        return (rss, peak);
    }

    /// <summary>Busy and total jiffies of the "cpu" line of /proc/stat (busy excludes idle and iowait).</summary>
    public static (long Busy, long Total) ParseMachineJiffies(string cpuLine)
    {
        ArgumentNullException.ThrowIfNull(cpuLine);
        var f = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 5 || f[0] != "cpu")
        {
            throw new FormatException("not the cpu line of /proc/stat: " + cpuLine);
        }
        long total = 0, idle = 0;
        // user nice system idle iowait irq softirq steal (guest times are already in user/nice).
        for (var i = 1; i < Math.Min(f.Length, 9); i++)
        {
            var v = long.Parse(f[i], CultureInfo.InvariantCulture);
            total += v;
            if (i is 4 or 5)
            {
                idle += v;
            }
        }
        return (total - idle, total);
    }

    private static long KiloBytes(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
    }
}
