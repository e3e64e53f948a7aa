namespace ActorTracing.Storage;

/// <summary>Calls from spans of <paramref name="Parent"/> to child spans of <paramref name="Child"/>; counts from several stores add up.</summary>
public sealed record DependencyLink(string Parent, string Child, long CallCount);
