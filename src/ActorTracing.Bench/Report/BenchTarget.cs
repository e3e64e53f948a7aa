namespace ActorTracing.Bench;

/// <summary>
/// What a run measured: one embedded node in a process of its own, or a cluster file's nodes as
/// processes. Node figures elsewhere in the report are this target's: for a cluster, CPU, RSS and
/// GC heap are summed over its node processes and GC pause is their mean.
/// </summary>
public sealed record BenchTarget
{
    public const string EmbeddedKind = "embedded";
    public const string ClusterKind = "cluster";

    /// <summary><see cref="EmbeddedKind"/> or <see cref="ClusterKind"/>.</summary>
    public string Kind { get; init; } = EmbeddedKind;

    /// <summary>One line for the report's header, e.g. "cluster 'actortracing' (cluster.yml): 3 nodes in 2 regions".</summary>
    public string Description { get; init; } = "one embedded node in its own process";

    /// <summary>The cluster file, for a cluster target.</summary>
    public string? ClusterFile { get; init; }

    public IReadOnlyList<string> Regions { get; init; } = [];

    /// <summary>Where kept spans are stored and counted.</summary>
    public string Storage { get; init; } = string.Empty;

    /// <summary>How the load was spread over the nodes.</summary>
    public string LoadRouting { get; init; } = string.Empty;

    public IReadOnlyList<BenchTargetNode> Nodes { get; init; } = [];

    /// <summary>For a cluster with durable decisions: what they held in Redis at the end.</summary>
    public DecisionStoreUsage? DecisionStore { get; init; }

    public bool IsCluster => Kind == ClusterKind;
}
