namespace ActorTracing.Bench;

/// <summary>Max sustained end-to-end throughput (accepted, decided and stored) with every search step.</summary>
public sealed record ThroughputResult(
    string Protocol,
    double MaxSustainedSpansPerSecond,
    double? FirstFailingSpansPerSecond,
    string StoppedBecause,
    StepMeasurement? AtMax,
    IReadOnlyList<SearchStep> Steps)
{
    /// <summary>
    /// Why the maximum is the search step's and not confirmed: it did not hold for a latency run's
    /// length, nor did the lower rates tried (<see cref="MaxConfirmation"/>). Null when it held or
    /// was not checked. A step is shorter than a latency run, so such a maximum may overstate what
    /// the node sustains; the report says so next to the figure.
    /// </summary>
    public string? NotConfirmed { get; init; }

    /// <summary>
    /// The confirmation's outcome when the search's maximum did not hold for a latency run's
    /// length and a lower rate did (which is then the maximum). Null otherwise.
    /// </summary>
    public string? ConfirmedLower { get; init; }
}
