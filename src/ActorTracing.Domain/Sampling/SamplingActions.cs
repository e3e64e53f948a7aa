namespace ActorTracing.Domain.Sampling;

/// <summary>What a matching rule (or the default) does with a trace.</summary>
public abstract record SamplingAction;

/// <summary>
/// Keep the trace with <paramref name="Probability"/> (1 = always), decided by the trace id's hash
/// so every node agrees, then subject to <paramref name="RateLimit"/> when set. A trace that loses
/// the coin is dropped with reason <c>probabilistic/&lt;rule&gt;</c>; one that wins but finds the
/// bucket empty is handled by <see cref="RateLimitSpec.OverLimitProbability"/>.
/// </summary>
/// <param name="Probability">In (0, 1]; 0.1 keeps 10% and stamps sample rate 10.</param>
/// <param name="RateLimit">Optional traces-per-second cap on what this rule keeps.</param>
/// <param name="HashSalt">
/// Empty (the default) makes probabilistic rules nested: a trace kept at 0.1% is also kept by every
/// rule at a higher rate, so sampling stays consistent when a trace moves between categories. A salt
/// makes this rule's choice independent of the others.
/// </param>
public sealed record KeepAction(double Probability = 1.0, RateLimitSpec? RateLimit = null, string HashSalt = "") : SamplingAction
{
    public static readonly KeepAction All = new();
}

/// <summary>Drop the trace (reason <c>drop/&lt;rule&gt;</c>).</summary>
public sealed record DropAction : SamplingAction
{
    public static readonly DropAction Instance = new();

    private DropAction()
    {
    }
}

/// <summary>
/// Per-category sampling, like Refinery's key-based samplers: the first category whose condition
/// matches decides with its own action, and the category name (not the rule's) is what the reason
/// carries (<c>probabilistic/api</c>). When no category matches, the rule counts as not matching
/// and evaluation continues with the next rule.
/// </summary>
public sealed record CategoryAction(IReadOnlyList<SamplingCategory> Categories) : SamplingAction;

/// <summary>One category of a <see cref="CategoryAction"/>; its action is a keep or a drop (no nesting).</summary>
public sealed record SamplingCategory(string Name, SamplingCondition Condition, SamplingAction Action);

/// <summary>
/// A token bucket on the traces a rule keeps. The limit is per sampler instance, i.e. per node:
/// for a cluster-wide budget divide it by the node count.
/// </summary>
/// <param name="TracesPerSecond">Refill rate; must be positive.</param>
/// <param name="Burst">Bucket size (traces allowed at once after a quiet period); at least 1.</param>
/// <param name="OverLimitProbability">
/// In [0, 1]: when the bucket is empty, still keep this fraction of the traces that won the
/// rule's coin (so a storm of errors stays visible at a known, lower rate); 0 drops them all.
/// Either way the reason is <c>rate-limited/&lt;rule&gt;</c>.
/// </param>
/// <param name="ClusterWide">
/// The rate and burst are the whole cluster's (each node spends the part of it that matches the
/// part of the trace shards it owns), not each node's.
/// </param>
public sealed record RateLimitSpec(double TracesPerSecond, double Burst, double OverLimitProbability = 0, bool ClusterWide = false);
