using System.Collections.Concurrent;

namespace ActorTracing.Storage.Tests;

/// <summary>An in-memory store that keeps each batch and signals when a row count is reached.</summary>
internal sealed class RecordingSpanStore : ISpanStore
{
    private readonly object _lock = new();
    private readonly List<(int Target, TaskCompletionSource Signal)> _waiters = [];
    private long _rows;

    public ConcurrentQueue<(int Rows, byte[] Bytes)> Batches { get; } = new();

    /// <summary>When set, every write waits for it first (to hold rows pending).</summary>
    public Task? Gate { get; set; }

    public long Rows => Interlocked.Read(ref _rows);

    public async Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken)
    {
        if (Gate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }
        Batches.Enqueue((rows, rowBinary.ToArray()));
        var total = Interlocked.Add(ref _rows, rows);
        lock (_lock)
        {
            foreach (var waiter in _waiters.Where(w => total >= w.Target).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken) => Task.FromResult(new StorageStats(Rows, 0, 0, 0));

    /// <summary>Completes once at least <paramref name="rows"/> rows were written; fails the test after the timeout.</summary>
    public Task WaitForRowsAsync(int rows, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (Rows >= rows)
            {
                return Task.CompletedTask;
            }
            _waiters.Add((rows, signal));
        }
        return signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
    }
}
