using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorTracing.Workload;

/// <summary>
/// Short waits for the producer's pacing. Task.Delay(1 ms) takes ~4.4 ms on Linux here (timer
/// queue granularity plus a thread-pool hop), and every microsecond a ready batch waits for the
/// producer is counted as ack latency. One background thread completes the waits and runs their
/// continuations inline, so they never queue behind a busy or starved thread pool.
/// </summary>
/// <remarks>
/// On Linux the thread sleeps until the earliest wait is due with nanosleep and a 1 µs timer slack
/// (the default slack is 50 µs), so a wait ends within tens of microseconds of its due time.
/// Thread.Sleep takes whole milliseconds (~1.08 ms measured): with it, the producer handed every
/// batch to a sender 0–1.1 ms late, which was most of the ack p50 at low load (0.7 of 0.98 ms at
/// 20k spans/s). Elsewhere it falls back to Thread.Sleep(1).
/// </remarks>
internal sealed partial class PreciseTimer
{
    public static readonly PreciseTimer Shared = new();

    private static readonly double TicksPerNano = Stopwatch.Frequency / 1e9;

    // Longest single sleep: a wait added while the thread sleeps (earlier than the one it sleeps
    // for) is served at most this late. The producer is the only regular caller and never has two
    // waits at once, so this only bounds odd cases.
    private const long MaxSleepNanos = 1_000_000;

    private const int PrSetTimerSlack = 29;

    private readonly PriorityQueue<TaskCompletionSource, long> _due = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Lock _gate = new();

    private PreciseTimer()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "workload-pacing", Priority = ThreadPriority.AboveNormal };
        thread.Start();
    }

    public Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }
        var tcs = new TaskCompletionSource();
        var dueAt = Stopwatch.GetTimestamp() + (long)(delay.Ticks * 100 * TicksPerNano);
        lock (_gate)
        {
            _due.Enqueue(tcs, dueAt);
        }
        _wake.Set();
        if (cancellationToken.CanBeCanceled)
        {
            // The entry stays queued until due; completing an already-cancelled source is a no-op.
            var registration = cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), tcs);
            _ = tcs.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return tcs.Task;
    }

    private void Run()
    {
        var precise = OperatingSystem.IsLinux() && TrySetTimerSlack();
        while (true)
        {
            TaskCompletionSource? ready = null;
            long dueAt = 0;
            bool empty;
            lock (_gate)
            {
                empty = !_due.TryPeek(out _, out dueAt);
                if (!empty && dueAt <= Stopwatch.GetTimestamp())
                {
                    ready = _due.Dequeue();
                }
            }
            if (ready is not null)
            {
                ready.TrySetResult();
            }
            else if (empty)
            {
                _wake.WaitOne();
            }
            else if (precise)
            {
                SleepNanos(Math.Min((long)((dueAt - Stopwatch.GetTimestamp()) / TicksPerNano), MaxSleepNanos));
            }
            else
            {
                Thread.Sleep(1);
            }
        }
    }

    private static bool TrySetTimerSlack()
    {
        try
        {
            return Prctl(PrSetTimerSlack, 1_000, 0, 0, 0) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static void SleepNanos(long nanos)
    {
        if (nanos <= 0)
        {
            return;
        }
        var request = new TimeSpec { Seconds = nanos / 1_000_000_000, Nanoseconds = nanos % 1_000_000_000 };
        // An interrupted sleep (EINTR) just returns early: the loop re-checks the queue.
        _ = NanoSleep(ref request, IntPtr.Zero);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref TimeSpec request, IntPtr remaining);
}
