using ActorTracing.Domain;
using ActorTracing.Protocol.Traces;
using Akka.Cluster.Sharding;

namespace ActorTracing.Actors.Traces;

/// <summary>
/// Entity id = the trace id in hex; shard = the trace id's stable hash. The stable hash (not
/// string.GetHashCode) matters: every node of a mixed-version cluster must place a trace in the
/// same shard, or spans of one trace would meet two actors.
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

    public string? EntityId(object message) => message switch
    {
        ITraceMessage m => m.TraceId.ToHex(),
        _ => null,
    };

    // ShardingEnvelope and StartEntity are unwrapped by Akka itself before the extractor sees them.
    public object? EntityMessage(object message) => message;

    public string ShardId(object message) => message switch
    {
        ITraceMessage m => ShardOf(m.TraceId),
        _ => "0",
    };

    public string ShardId(string entityId, object? messageHint = null)
        => TraceId.TryParseHex(entityId, out var id) ? ShardOf(id) : "0";

    public string ShardOf(TraceId id) => _shardIds[(int)(id.StableHash() % (ulong)_numberOfShards)];
}
