namespace ActorTracing.Bench;

/// <summary>
/// One reading of a process and of the machine from /proc: CPU time used so far (user + system),
/// resident memory now and at its peak, and the machine's busy/total CPU jiffies (all cores) —
/// the latter says how much else (other builds on a shared box) competed during a measurement.
/// </summary>
public readonly record struct ProcSnapshot(long TimestampTicks, double CpuSeconds, long RssBytes, long PeakRssBytes, long MachineBusyJiffies, long MachineTotalJiffies)
{
    /// <summary>CPU used between two snapshots in percent of ONE core (200 = both cores of a 2-core box).</summary>
    public static double CpuPercent(ProcSnapshot from, ProcSnapshot to)
    {
        var wall = TimeSpan.FromTicks(to.TimestampTicks - from.TimestampTicks).TotalSeconds;
        return wall <= 0 ? 0 : Math.Max(0, to.CpuSeconds - from.CpuSeconds) / wall * 100;
    }

    /// <summary>How busy the whole machine was between two snapshots, in percent of all cores.</summary>
    public static double MachineBusyPercent(ProcSnapshot from, ProcSnapshot to)
    {
        var total = to.MachineTotalJiffies - from.MachineTotalJiffies;
        return total <= 0 ? 0 : 100.0 * (to.MachineBusyJiffies - from.MachineBusyJiffies) / total;
    }
}
