using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Correlation;

/// <summary>One sampling decision for a whole correlation group, from its members' own decisions.</summary>
public static class GroupDecision
{
    public const string ReasonPrefix = "group/";

    /// <summary>
    /// Keep the group if any member would be kept — an error in one fragment keeps the request's
    /// other fragments too — with the strongest keep (lowest sample rate, e.g. rules/errors at 1)
    /// as its reason; otherwise drop with the first member's reason. Order-independent for keeps.
    /// </summary>
    public static SamplingDecision Merge(IReadOnlyList<SamplingDecision> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
        {
            throw new ArgumentException("a group has at least one member", nameof(members));
        }
        SamplingDecision? keep = null;
        foreach (var m in members)
        {
            if (m.Keep && (keep is null || m.SampleRate < keep.SampleRate || (m.SampleRate == keep.SampleRate && string.CompareOrdinal(m.Reason, keep.Reason) < 0)))
            {
                keep = m;
            }
        }
        var chosen = keep ?? members[0];
        return chosen with { Reason = chosen.Reason.StartsWith(ReasonPrefix, StringComparison.Ordinal) ? chosen.Reason : ReasonPrefix + chosen.Reason };
    }
}
