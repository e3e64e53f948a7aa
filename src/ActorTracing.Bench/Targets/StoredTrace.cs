namespace ActorTracing.Bench;

/// <summary>What storage holds of one trace: its rows and how many distinct span ids they have (rows − distinct = duplicates).</summary>
public readonly record struct StoredTrace(long Rows, long DistinctSpans);
