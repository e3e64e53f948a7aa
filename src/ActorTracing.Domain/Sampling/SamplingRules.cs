namespace ActorTracing.Domain.Sampling;

/// <summary>
/// The ordered rule list: the first rule whose condition matches (and, for a category rule,
/// one of whose categories matches) decides; when none does, <paramref name="Default"/> decides
/// with the name <c>default</c>.
/// </summary>
/// <param name="Rules">Evaluated in order.</param>
/// <param name="Default">A <see cref="KeepAction"/> or <see cref="DropAction"/>.</param>
public sealed record SamplingRules(IReadOnlyList<SamplingRule> Rules, SamplingAction Default)
{
    /// <summary>Keeps everything: what a node runs with when no rules are configured.</summary>
    public static readonly SamplingRules KeepAll = new([], KeepAction.All);
}

/// <summary>One named rule; the name is what decision reasons carry.</summary>
public sealed record SamplingRule(string Name, SamplingCondition Condition, SamplingAction Action);
