using System.Globalization;
using ActorTracing.Protocol.Traces;
using Akka.Cluster.Sharding;

namespace ActorTracing.Actors.Groups;

/// <summary>Entity = the group key; shard = a stable hash of it (FNV-1a: the same on every node and run).</summary>
public sealed class TraceGroupMessageExtractor : IMessageExtractor
{
    private readonly int _numberOfShards;

    public TraceGroupMessageExtractor(int numberOfShards)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numberOfShards);
        _numberOfShards = numberOfShards;
    }

    public string? EntityId(object message) => message is TraceGroupCommands.Propose p ? p.GroupKey : null;

    public object? EntityMessage(object message) => message;

    public string ShardId(object message) => message is TraceGroupCommands.Propose p ? ShardOf(p.GroupKey) : "0";

    public string ShardId(string entityId, object? messageHint = null) => ShardOf(entityId);

    private string ShardOf(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (hash % (uint)_numberOfShards).ToString(CultureInfo.InvariantCulture);
    }
}
