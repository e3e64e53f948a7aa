namespace ActorTracing.Bench;

/// <summary>One offered rate tried by <see cref="MaxThroughputSearch"/> and whether the node kept up (and if not, why).</summary>
public sealed record SearchStep(int Index, double OfferedSpansPerSecond, bool Sustained, IReadOnlyList<string> Reasons, StepMeasurement? Measurement);
