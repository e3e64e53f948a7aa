namespace ActorTracing.Storage;

/// <summary>
/// Where batches of kept spans (and their traces' summaries) go. Rows arrive already encoded by <see cref="SpanRowEncoder"/>
/// (RowBinary, columns in the order of the store's <see cref="Flavor"/>: <see cref="TraceSchema.InsertColumns"/>
/// or <see cref="ServerTraceSchema.InsertColumns"/>) so a store only moves bytes: the embedded
/// engine and a ClickHouse server over HTTP differ in column types, not in how a batch travels.
/// </summary>
public interface ISpanStore
{
    /// <summary>
    /// Writes one batch atomically (all rows or none). Throws on failure; the caller retries the
    /// same bytes, so a store must not keep <paramref name="rowBinary"/> after the task completes.
    /// </summary>
    Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the store has the <c>otel_trace_summaries</c> table and takes
    /// <see cref="WriteSummariesAsync"/>. A store that keeps spans only (a test double, an older
    /// implementation) leaves this false: <see cref="StorageWriter"/> then writes its spans as before
    /// and counts the summaries it did not store, instead of retrying a write that can never succeed.
    /// </summary>
    bool StoresSummaries => false;

    /// <summary>
    /// Whether a summary the span rows rebuild exactly (<see cref="DerivableSummaries"/>) is left
    /// out of <see cref="WriteSummariesAsync"/>: true only for a store whose span table has the
    /// CompletionReason column and whose reader rebuilds summaries from it (the embedded engine's,
    /// <see cref="TraceSchema"/>). Everyone else gets every summary as a row.
    /// </summary>
    bool OmitsDerivableSummaries => false;

    /// <summary>
    /// Writes one batch of trace summaries, encoded by <see cref="TraceSummaryRowEncoder"/> for
    /// <see cref="Flavor"/>, atomically; same contract as <see cref="WriteAsync"/> (throws on failure,
    /// the caller retries the same bytes). Only called when <see cref="StoresSummaries"/> is true.
    /// </summary>
    Task WriteSummariesAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken) =>
        Task.FromException(new NotSupportedException($"{GetType().Name} does not store trace summaries."));

    /// <summary>Rows stored and their size on disk.</summary>
    Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The column types the store's table has; <see cref="StorageWriter"/> encodes rows for it.
    /// Modern (the embedded engine's) unless a store says otherwise.
    /// </summary>
    SchemaFlavor Flavor => SchemaFlavor.Modern;
}
