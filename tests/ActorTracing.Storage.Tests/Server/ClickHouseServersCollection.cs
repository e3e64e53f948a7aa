namespace ActorTracing.Storage.Tests;

/// <summary>Specs against the two real ClickHouse servers of <see cref="ClickHouseServersFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ClickHouseServersCollection : ICollectionFixture<ClickHouseServersFixture>
{
    public const string Name = "clickhouse-servers";
}
