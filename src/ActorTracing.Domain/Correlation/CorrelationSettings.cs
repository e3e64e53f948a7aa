namespace ActorTracing.Domain.Correlation;

/// <summary>
/// How fragmented traces are joined into one correlation group: traces whose context was lost at
/// a region boundary carry different trace ids, but a span link to the other trace, or a shared
/// correlation attribute (a request id), ties them together.
/// </summary>
/// <param name="Attribute">Span or resource attribute whose value names the group; empty = none.</param>
/// <param name="FollowLinks">A span link to another trace joins the two traces.</param>
/// <param name="GroupWait">How long a group collects its members' proposals after the first arrives.</param>
public sealed record CorrelationSettings(bool Enabled, string Attribute, bool FollowLinks, TimeSpan GroupWait)
{
    public static readonly CorrelationSettings Disabled = new(false, string.Empty, false, TimeSpan.FromSeconds(1));
}
