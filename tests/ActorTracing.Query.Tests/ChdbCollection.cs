namespace ActorTracing.Query.Tests;

/// <summary>Specs sharing the process's one chDB engine; xunit runs them one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ChdbCollection : ICollectionFixture<ChdbFixture>
{
    public const string Name = "chdb";
}
