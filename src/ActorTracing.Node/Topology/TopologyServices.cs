namespace ActorTracing.Node.Topology;

/// <summary>The shared services of a deployment; an absent one means "not used".</summary>
/// <param name="Redis">host:port of the Redis that holds durable decisions, or null (decisions in memory only).</param>
/// <param name="Kafka">Bootstrap servers of the regional span topics, or null.</param>
/// <param name="ClickHouseShards">HTTP URLs of ClickHouse shards; empty = each node's embedded engine.</param>
public sealed record TopologyServices(string? Redis, string? Kafka, IReadOnlyList<string> ClickHouseShards);
