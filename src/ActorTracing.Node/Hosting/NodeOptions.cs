namespace ActorTracing.Node.Hosting;

/// <summary>How to start a node: configuration sources plus overrides the CLI or tests pass.</summary>
public sealed record NodeOptions
{
    /// <summary>Operator HOCON file layered over the embedded defaults.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Sampling rules HOCON file, layered between defaults and <see cref="ConfigFile"/>.</summary>
    public string? RulesFile { get; init; }

    /// <summary>cluster.yml to take this node's identity, ports, roles, seeds and services from.</summary>
    public string? ClusterFile { get; init; }

    /// <summary>Which node of <see cref="ClusterFile"/> this process is (e.g. iad-1).</summary>
    public string? NodeName { get; init; }

    /// <summary>Where nodes started from <see cref="ClusterFile"/> keep their embedded engine (one directory per node).</summary>
    public string DataRoot { get; init; } = ".data/cluster";

    /// <summary>HOCON text that wins over everything (used by demo and tests, e.g. ephemeral ports).</summary>
    public string? Overrides { get; init; }
}
