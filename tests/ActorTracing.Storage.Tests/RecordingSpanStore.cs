using System.Collections.Concurrent;

namespace ActorTracing.Storage.Tests;

/// <summary>An in-memory store that keeps each batch (of spans or of summaries) and signals when a row count is reached.</summary>
internal sealed class RecordingSpanStore : ISpanStore
{
    private readonly object _lock = new();
    private readonly List<(int Target, TaskCompletionSource Signal)> _waiters = [];
    private long _rows;
    private long _summaryRows;

    public ConcurrentQueue<(int Rows, byte[] Bytes)> Batches { get; } = new();

    /// <summary>When set, every write waits for it first (to hold rows pending).</summary>
    public Task? Gate { get; set; }

    public ConcurrentQueue<(int Rows, byte[] Bytes)> SummaryBatches { get; } = new();

    public long Rows => Interlocked.Read(ref _rows);

    public long SummaryRows => Interlocked.Read(ref _summaryRows);

    public bool StoresSummaries => true;

    public bool OmitsDerivableSummaries { get; init; }

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

    public async Task WriteSummariesAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken)
    {
        if (Gate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }
        SummaryBatches.Enqueue((rows, rowBinary.ToArray()));
        Interlocked.Add(ref _summaryRows, rows);
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
