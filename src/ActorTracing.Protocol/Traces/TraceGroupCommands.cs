using ActorTracing.Domain;
using ActorTracing.Domain.Sampling;

namespace ActorTracing.Protocol.Traces;

/// <summary>What TraceActors and the correlation group actor (one per group key) say to each other.</summary>
public static class TraceGroupCommands
{
    /// <summary>A member trace is complete and proposes its own decision; the group answers with <see cref="GroupDecided"/>.</summary>
    public sealed record Propose(string GroupKey, TraceId TraceId, SamplingDecision Decision) : IProtocolMessage;

    /// <summary>The group's one decision, for every member (and for members that join later).</summary>
    public sealed record GroupDecided(string GroupKey, SamplingDecision Decision, IReadOnlyList<TraceId> Members) : IProtocolMessage;
}
