namespace ActorTracing.Bench;

/// <summary>One target of the issue and whether this run met it; <see cref="Met"/> is null when it could not be measured.</summary>
public sealed record TargetCheck(string Name, string Target, string Measured, bool? Met, string Note = "");
