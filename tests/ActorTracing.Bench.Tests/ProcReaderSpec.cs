using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

public sealed class ProcReaderSpec
{
    [Fact]
    public void Cpu_seconds_are_utime_plus_stime_even_when_the_command_name_has_spaces()
    {
        const string stat = "4242 (dotnet (bench) x) S 1 4242 4242 0 -1 4194560 12345 0 0 0 250 130 0 0 20 0 30 0 1000 123456789 20000 18446744073709551615";

        Assert.Equal(3.8, ProcReader.ParseCpuSeconds(stat), 6);
    }

    [Fact]
    public void Resident_and_peak_memory_come_from_status_in_bytes()
    {
        const string status = "Name:\tdotnet\nVmPeak:\t 9999 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t30\n";

        var (rss, peak) = ProcReader.ParseStatusMemory(status);

        Assert.Equal(100L * 1024 * 1024, rss);
        Assert.Equal(200L * 1024 * 1024, peak);
    }

    [Fact]
    public void Machine_busy_excludes_idle_and_iowait()
    {
        var (busy, total) = ProcReader.ParseMachineJiffies("cpu  100 5 45 800 50 0 0 0 0 0");

        Assert.Equal(150, busy);
        Assert.Equal(1000, total);
    }

    [Fact]
    public void Cpu_percent_is_of_one_core_and_machine_busy_of_all()
    {
        var a = new ProcSnapshot(0, 10, 0, 0, 1000, 10_000);
        var b = new ProcSnapshot(TimeSpan.TicksPerSecond * 2, 13, 0, 0, 1200, 10_400);

        Assert.Equal(150, ProcSnapshot.CpuPercent(a, b), 6);
        Assert.Equal(50, ProcSnapshot.MachineBusyPercent(a, b), 6);
    }

    [Fact]
    public void Rejects_text_that_is_not_proc_stat() =>
        Assert.Throws<FormatException>(() => ProcReader.ParseMachineJiffies("intr 1 2 3"));
}
