using System.Collections.Concurrent;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

/// <summary>Virtual time: a delay completes at once and moves the clock forward by its length.</summary>
internal sealed class ManualClock : IWorkloadClock
{
    public const ulong Epoch = 1_767_225_600_000_000_000UL; // 2026-01-01T00:00:00Z

    private long _now;

    public ConcurrentQueue<TimeSpan> Delays { get; } = new();

    public long NowNanos => Interlocked.Read(ref _now);

    /// <summary>How often <see cref="UnixNowNanos"/> was read (what a send-path fast path must avoid).</summary>
    public int UnixReads => Volatile.Read(ref _unixReads);

    private int _unixReads;

    public ulong UnixNowNanos
    {
        get
        {
            Interlocked.Increment(ref _unixReads);
            return Epoch + (ulong)NowNanos;
        }
    }

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks * 100);

    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Delays.Enqueue(delay);
        Advance(delay);
        return Task.CompletedTask;
    }
}
