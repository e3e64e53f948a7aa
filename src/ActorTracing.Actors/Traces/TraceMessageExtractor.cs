using ActorTracing.Domain;
using ActorTracing.Protocol.Traces;
using Akka.Cluster.Sharding;

namespace ActorTracing.Actors.Traces;

/// <summary>
/// Shard = the trace id's stable hash; entity id = the shard id (one <see cref="TraceShardActor"/>
/// owns every trace of its shard). The stable hash (not string.GetHashCode) matters: every node of
/// a mixed-version cluster must place a trace in the same shard, or spans of one trace would meet
/// two actors.
/// </summary>
public sealed class TraceMessageExtractor : IMessageExtractor
{
    private readonly int _numberOfShards;

    // The region and the shard ask for the shard id of every message; formatting it each time
    // allocated a string per message for one of a few hundred values.
    private readonly string[] _shardIds;

    public TraceMessageExtractor(int numberOfShards)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numberOfShards);
        _numberOfShards = numberOfShards;
        _shardIds = new string[numberOfShards];
        for (var i = 0; i < numberOfShards; i++)
        {
            _shardIds[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    // The cached shard id string: no allocation per message.
    public string? EntityId(object message) => message switch
    {
        ITraceMessage m => ShardOf(m.TraceId),
        _ => null,
    };

    // ShardingEnvelope and StartEntity are unwrapped by Akka itself before the extractor sees them.
    public object? EntityMessage(object message) => message;

    public string ShardId(object message) => message switch
    {
        ITraceMessage m => ShardOf(m.TraceId),
        _ => "0",
    };

    /// <summary>An entity is its shard.</summary>
    public string ShardId(string entityId, object? messageHint = null) => entityId;

    public string ShardOf(TraceId id) => _shardIds[(int)(id.StableHash() % (ulong)_numberOfShards)];
}
