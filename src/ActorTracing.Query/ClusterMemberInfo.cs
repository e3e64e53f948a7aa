namespace ActorTracing.Query;

/// <summary>One cluster member as the overview shows it.</summary>
public sealed record ClusterMemberInfo(string Address, string Status, string Region, IReadOnlyList<string> Roles);
