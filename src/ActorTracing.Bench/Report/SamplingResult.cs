namespace ActorTracing.Bench;

/// <summary>
/// Sampling outcome of one run, from the generator's ground truth joined with the rows in storage:
/// what fraction of spans was stored, whether every error and slow trace was kept, whether every
/// kept trace is complete, and duplicates.
/// </summary>
public sealed record SamplingResult(
    long Traces,
    long SpansGenerated,
    long SpansSent,
    long SpansStored,
    double StoredFraction,
    long ErrorTraces,
    long ErrorTracesKept,
    long SlowTraces,
    long SlowTracesKept,
    long KeptTraces,
    long CompleteKeptTraces,
    long DuplicateRows,
    bool Drained,
    IReadOnlyDictionary<string, long> KeptTracesByCategory);
