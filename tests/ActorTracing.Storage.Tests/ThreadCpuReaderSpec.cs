using ActorTracing.Storage;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// The node's merge-CPU metric and the bench tell the embedded engine's merge threads apart from the rest of the node by thread
/// name. Read on this process's own threads: a spinning thread's CPU is found under its name,
/// a thread started after the first reading is found at the next scan, and other names read 0.
/// </summary>
public sealed class ThreadCpuReaderSpec
{
    private static double OwnCpuSeconds() => ThreadCpuReader.ParseCpuSeconds(File.ReadAllText("/proc/thread-self/stat"));

    /// <summary>Spins on a thread of that name until it has used <paramref name="seconds"/> of CPU (not of wall time: the machine may be busy).</summary>
    private static (Thread Thread, ManualResetEventSlim Spun, ManualResetEventSlim Release) Spinner(string name, double seconds)
    {
        var spun = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            while (OwnCpuSeconds() < seconds)
            {
                Thread.SpinWait(10_000);
            }
            spun.Set();
            // Alive until read: an exited thread leaves /proc and its time with it.
            release.Wait();
        })
        { Name = name, IsBackground = true };
        thread.Start();
        return (thread, spun, release);
    }

    [Fact]
    public void A_named_threads_cpu_is_read_apart_from_the_rest_of_the_process()
    {
        var (thread, spun, release) = Spinner("at-spec-spin", 0.2);
        try
        {
            Assert.True(spun.Wait(TimeSpan.FromSeconds(60)), "the spinning thread never used 0.2 s of CPU");
            var reader = new ThreadCpuReader(Environment.ProcessId, "at-spec-spin");

            var seconds = reader.CpuSeconds();

            Assert.InRange(seconds, 0.2, ThreadCpuReader.ParseCpuSeconds(File.ReadAllText("/proc/self/stat")));
            Assert.Equal(0, new ThreadCpuReader(Environment.ProcessId, "no-such-thread").CpuSeconds());
        }
        finally
        {
            release.Set();
            thread.Join();
        }
    }

    [Fact]
    public void A_thread_that_starts_after_the_first_reading_is_counted_from_the_next_scan()
    {
        var reader = new ThreadCpuReader(Environment.ProcessId, "at-spec-late", rescanEvery: 1);
        Assert.Equal(0, reader.CpuSeconds());

        var (thread, spun, release) = Spinner("at-spec-late", 0.1);
        try
        {
            Assert.True(spun.Wait(TimeSpan.FromSeconds(60)), "the spinning thread never used 0.1 s of CPU");
            Assert.True(reader.CpuSeconds() >= 0.1);
        }
        finally
        {
            release.Set();
            thread.Join();
        }
    }

    [Fact]
    public void A_process_without_proc_entries_reads_zero_instead_of_failing()
    {
        Assert.Equal(0, new ThreadCpuReader(int.MaxValue, "MergeMutate").CpuSeconds());
    }
}
