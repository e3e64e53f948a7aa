namespace ActorTracing.Admin.Tests;

/// <summary>One three-node cluster shared by the read-only specs: forming a cluster costs seconds.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<TestCluster>
{
    public const string Name = "three-node cluster";
}
