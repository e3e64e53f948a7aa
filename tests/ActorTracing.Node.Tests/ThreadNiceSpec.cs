using System.Globalization;
using ActorTracing.Node.Hosting;

namespace ActorTracing.Node.Tests;

public sealed partial class ThreadNiceSpec
{
    [Fact]
    public void Only_threads_with_the_name_get_the_nice_value()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // A real thread named like the target, and the real setpriority: raising a nice value
        // (lower priority) needs no privilege, so the spec runs anywhere on Linux.
        using var named = new ParkedThread("at-gc-spec");
        using var other = new ParkedThread("at-gc-other");

        var (changed, error) = ThreadNice.Apply(7, "at-gc-spec");

        Assert.Null(error);
        Assert.Equal(1, changed);
        Assert.Equal(7, NiceOf(named.Tid));
        Assert.Equal(0, NiceOf(other.Tid));
    }

    [Fact]
    public void No_matching_thread_changes_nothing_and_is_no_error()
    {
        Assert.Equal((0, (string?)null), ThreadNice.Apply(-10, "no-such-thread"));
    }

    [Fact]
    public void A_refused_call_is_reported_not_thrown()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // A task directory naming a thread id that does not exist: the kernel refuses (ESRCH) the
        // way it refuses a negative nice without CAP_SYS_NICE (EPERM), and the caller gets a reason.
        var dir = Directory.CreateTempSubdirectory("gc-prio-");
        try
        {
            var fake = Directory.CreateDirectory(Path.Combine(dir.FullName, int.MaxValue.ToString(CultureInfo.InvariantCulture)));
            File.WriteAllText(Path.Combine(fake.FullName, "comm"), "at-gc-refused\n");

            var (changed, error) = ThreadNice.Apply(5, "at-gc-refused", dir.FullName);

            Assert.Equal(0, changed);
            Assert.NotNull(error);
            Assert.Contains("setpriority", error, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int NiceOf(int tid)
    {
        // /proc/self/task/<tid>/stat: field 19 is the nice value; the command name (field 2) is in
        // parentheses and may contain spaces, so count from the closing one.
        var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], CultureInfo.InvariantCulture);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    private sealed class ParkedThread : IDisposable
    {
        private readonly ManualResetEventSlim _started = new();
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _thread;
        private int _tid;

        public ParkedThread(string name)
        {
            _thread = new Thread(() =>
            {
                _tid = GetTid();
                _started.Set();
                _release.Wait();
            }) { Name = name, IsBackground = true };
            _thread.Start();
            _started.Wait();
        }

        public int Tid => _tid;

        public void Dispose()
        {
            _release.Set();
            _thread.Join();
            _started.Dispose();
            _release.Dispose();
        }
    }
}
