namespace ActorTracing.Storage.Tests;

/// <summary>Fails the first <c>failures</c> writes, then passes writes through.</summary>
internal sealed class FailingSpanStore(ISpanStore inner, int failures) : ISpanStore
{
    private readonly TaskCompletionSource _firstFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _remainingFailures = failures;

    public int Calls;

    /// <summary>Completes when the first write has been failed.</summary>
    public Task FirstFailure => _firstFailure.Task;

    public Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        if (Interlocked.Decrement(ref _remainingFailures) < 0)
        {
            return inner.WriteAsync(rowBinary, rows, cancellationToken);
        }
        _firstFailure.TrySetResult();
        return Task.FromException(new StorageException("Code: 242. DB::Exception: Table is in readonly mode (TABLE_IS_READ_ONLY)"));
    }

    public Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);
}
