namespace ActorTracing.Bench;

/// <summary>
/// The sampling outcome of a run (scenario 5): the generator's ground truth joined with what
/// storage holds of each of its traces. Pure, so the same join serves the embedded engine and
/// ClickHouse shards, and is specified without either.
/// </summary>
public static class SamplingTally
{
    /// <param name="truth">Every trace the run generated.</param>
    /// <param name="stored">Rows and distinct spans stored per trace id; a trace absent here was not kept.</param>
    /// <param name="spansSent">Spans the node acknowledged (the stored fraction's denominator).</param>
    /// <param name="drained">Whether every trace had been decided when storage was counted.</param>
    public static SamplingResult Compute(IReadOnlyCollection<GroundTruthRecord> truth, IReadOnlyDictionary<string, StoredTrace> stored, long spansSent, bool drained)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(stored);
        long spans = 0, storedRows = 0, errors = 0, errorsKept = 0, slow = 0, slowKept = 0, kept = 0, complete = 0, duplicates = 0;
        var byCategory = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var t in truth)
        {
            var s = stored.TryGetValue(t.TraceId, out var found) ? found : default;
            var isKept = s.Rows > 0;
            spans += t.Spans;
            storedRows += s.Rows;
            errors += t.IsError ? 1 : 0;
            errorsKept += t.IsError && isKept ? 1 : 0;
            slow += t.IsSlow ? 1 : 0;
            slowKept += t.IsSlow && isKept ? 1 : 0;
            kept += isKept ? 1 : 0;
            complete += isKept && s.DistinctSpans == t.Spans ? 1 : 0;
            duplicates += s.Rows - s.DistinctSpans;
            byCategory[t.Category] = byCategory.GetValueOrDefault(t.Category) + (isKept ? 1 : 0);
        }
        return new SamplingResult(
            truth.Count, spans, spansSent, storedRows, spansSent == 0 ? 0 : (double)storedRows / spansSent,
            errors, errorsKept, slow, slowKept, kept, complete, duplicates, drained, byCategory);
    }
}
