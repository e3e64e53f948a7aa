namespace ActorTracing.Node.Hosting;

/// <summary>How to start a node: configuration sources plus overrides the CLI or tests pass.</summary>
public sealed record NodeOptions
{
    /// <summary>Operator HOCON file layered over the embedded defaults.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Sampling rules HOCON file, layered between defaults and <see cref="ConfigFile"/>.</summary>
    public string? RulesFile { get; init; }

    /// <summary>HOCON text that wins over everything (used by demo and tests, e.g. ephemeral ports).</summary>
    public string? Overrides { get; init; }
}
