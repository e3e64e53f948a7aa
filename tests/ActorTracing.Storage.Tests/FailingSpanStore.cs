namespace ActorTracing.Storage.Tests;

/// <summary>
/// Fails the first <c>failures</c> span writes and the first <c>summaryFailures</c> summary writes,
/// then passes writes through; stores summaries exactly when the inner store does.
/// </summary>
internal sealed class FailingSpanStore(ISpanStore inner, int failures, int summaryFailures = 0) : ISpanStore
{
    private readonly TaskCompletionSource _firstFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _remainingFailures = failures;
    private int _remainingSummaryFailures = summaryFailures;

    public int Calls;

    public int SummaryCalls;

    /// <summary>Completes when the first write (of either kind) has been failed.</summary>
    public Task FirstFailure => _firstFailure.Task;

    public SchemaFlavor Flavor => inner.Flavor;

    public bool StoresSummaries => inner.StoresSummaries;

    public Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        return Interlocked.Decrement(ref _remainingFailures) < 0 ? inner.WriteAsync(rowBinary, rows, cancellationToken) : Fail();
    }

    public Task WriteSummariesAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref SummaryCalls);
        return Interlocked.Decrement(ref _remainingSummaryFailures) < 0 ? inner.WriteSummariesAsync(rowBinary, rows, cancellationToken) : Fail();
    }

    public Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);

    private Task Fail()
    {
        _firstFailure.TrySetResult();
        return Task.FromException(new StorageException("Code: 242. DB::Exception: Table is in readonly mode (TABLE_IS_READ_ONLY)"));
    }
}
