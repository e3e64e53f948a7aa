namespace ActorTracing.Bench;

/// <summary>
/// The outcome of a max-throughput search: the highest offered rate the node sustained, the lowest
/// it did not (null when it never fell behind up to the ceiling), every step, and why the search stopped.
/// </summary>
public sealed record SearchResult(double MaxSustainedSpansPerSecond, double? FirstFailingSpansPerSecond, IReadOnlyList<SearchStep> Steps, string StoppedBecause)
{
    public SearchStep? Best => Steps.Where(s => s.Sustained).MaxBy(s => s.OfferedSpansPerSecond);
}
