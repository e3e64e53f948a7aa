namespace ActorTracing.Bench;

/// <summary>Max sustained end-to-end throughput (accepted, decided and stored) with every search step.</summary>
public sealed record ThroughputResult(
    string Protocol,
    double MaxSustainedSpansPerSecond,
    double? FirstFailingSpansPerSecond,
    string StoppedBecause,
    StepMeasurement? AtMax,
    IReadOnlyList<SearchStep> Steps);
