namespace ActorTracing.Bench;

/// <summary>One line of a ground-truth file: what the generator produced for one trace.</summary>
/// <param name="TraceId">Lower-case hex, as the TraceId column stores it.</param>
public sealed record GroundTruthRecord(string TraceId, string Category, int Spans, bool IsError, bool IsSlow, bool IsCrossRegion);
