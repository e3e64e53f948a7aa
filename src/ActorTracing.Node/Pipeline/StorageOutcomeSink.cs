using ActorTracing.Protocol.Traces;
using ActorTracing.Storage;

namespace ActorTracing.Node.Pipeline;

/// <summary>
/// Kept traces (and late spans of kept traces) go to the storage writer with their reason and
/// sample rate on every row, so stored counts can be re-weighted. A kept trace's decision also
/// carries its stitch (regions, cross-region edges, skew, arrival lag): it travels with the spans
/// as the trace's one otel_trace_summaries row, on the same shard. Late spans add no summary (their
/// trace's row was written at the decision). Dropped traces only count. A kept trace's receipts
/// (<see cref="TraceDecided.Receipts"/>) are owed once its rows are written.
/// </summary>
public sealed class StorageOutcomeSink : ITraceOutcomeSink
{
    private readonly ShardedStorageWriter _writer;
    private readonly Action<OwedReceipts> _owe;
    // One callback for every kept trace, its receipts the state: no closure per trace (see WhenStored),
    // and for the usual single receipt no array either (see OwedReceipts.ToState).
    private readonly Action<object?, long> _oweStored;

    /// <param name="owe">Owes the senders of a kept trace's spans their receipts (<see cref="TraceDecided.Receipts"/>): called once the rows are written.</param>
    public StorageOutcomeSink(ShardedStorageWriter writer, Action<OwedReceipts>? owe = null)
    {
        _writer = writer;
        _owe = owe ?? (static _ => { });
        _oweStored = (state, value) => _owe(OwedReceipts.FromState(state, value));
    }

    public void OnDecided(in TraceDecided decided)
    {
        var receipts = decided.Receipts;
        if (!decided.Decision.Keep || decided.Spans.Count == 0)
        {
            // Nothing to write: nothing a crash could still lose.
            if (!receipts.IsEmpty)
            {
                _owe(receipts);
            }
            return;
        }
        var rows = new StoredSpan[decided.Spans.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new StoredSpan(decided.Spans[i], decided.Decision.Reason, decided.Decision.SampleRate);
        }
        var summary = decided.IsLate || decided.Stitch is not { } stitch
            ? null
            : new StoredTraceSummary(decided.TraceId, stitch, decided.CompletionReason, decided.Decision.Reason, decided.Decision.SampleRate, decided.GroupKey ?? string.Empty);
        // Storage gives the kept bytes back once it has written the rows.
        var (state, value) = receipts.ToState();
        _writer.Enqueue(rows, summary, decided.KeptBytes, receipts.IsEmpty ? WhenStored.Nothing : new WhenStored(_oweStored, state, value));
    }
}
