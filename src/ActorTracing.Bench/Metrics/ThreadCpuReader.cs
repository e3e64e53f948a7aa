namespace ActorTracing.Bench;

/// <summary>
/// CPU time (user + system) of a process's threads of one name, from /proc/PID/task: what the
/// embedded engine's merge threads took, which the process's own figure cannot tell apart from
/// the node's request and actor threads. A thread that appears later is found at the next scan
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
                total += ProcReader.ParseCpuSeconds(File.ReadAllText(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Exited since the last scan; the next scan drops it.
            }
        }
        return total;
    }

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
