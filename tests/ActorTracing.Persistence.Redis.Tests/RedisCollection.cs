namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>Every spec shares one redis-server; xunit runs the collection's classes one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis-server";
}
