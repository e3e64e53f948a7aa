using StackExchange.Redis;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// The key layout (see reference.conf, key-prefix). Every key of one persistence id carries the same
/// <c>{persistenceId}</c> hash tag, so in Redis Cluster they share a slot and one Lua script may touch
/// them all: that is what makes an event batch, its highest sequence nr and the TTL refresh atomic.
/// </summary>
internal readonly struct RedisKeys
{
    private readonly string _prefix;

    public RedisKeys(string prefix) => _prefix = prefix;

    /// <summary>Sorted set: score = sequence nr, member = serialized <see cref="Akka.Persistence.Persistent"/>.</summary>
    public RedisKey Events(string persistenceId) => $"{_prefix}j:{{{persistenceId}}}";

    /// <summary>String: the highest sequence nr ever written; never lowered by deletes.</summary>
    public RedisKey HighestSequenceNr(string persistenceId) => $"{_prefix}j:{{{persistenceId}}}:highest";

    /// <summary>String: the one event of a single-event persistence id (see single-event-prefixes).</summary>
    public RedisKey SingleEvent(string persistenceId) => $"{_prefix}e:{{{persistenceId}}}";

    /// <summary>Glob matching the <see cref="SingleEvent"/> keys of ids starting with <paramref name="persistenceIdPrefix"/>.</summary>
    public string SingleEventPattern(string persistenceIdPrefix) => $"{_prefix}e:{{{persistenceIdPrefix}*";

    /// <summary>Sorted set: score = sequence nr, member = <see cref="SnapshotRecord"/>.</summary>
    public RedisKey Snapshots(string persistenceId) => $"{_prefix}s:{{{persistenceId}}}";

    /// <summary>All keys of a persistence id, in the order the Lua scripts expect them.</summary>
    public RedisKey[] All(string persistenceId) => [Events(persistenceId), HighestSequenceNr(persistenceId), Snapshots(persistenceId)];
}
