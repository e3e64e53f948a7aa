namespace ActorTracing.Node.Topology;

/// <summary>One node of <c>cluster.yml</c>: where it listens and what it runs.</summary>
public sealed record TopologyNode(
    string Name,
    string Region,
    string Host,
    int AkkaPort,
    int OtlpGrpcPort,
    int OtlpHttpPort,
    int QueryPort,
    int AdminPort,
    IReadOnlyList<string> Roles)
{
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);
}
