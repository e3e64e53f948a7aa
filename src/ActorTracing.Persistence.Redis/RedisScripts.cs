namespace ActorTracing.Persistence.Redis;

/// <summary>
/// The Lua scripts. A script runs atomically in Redis (no other command interleaves), which is how one
/// AtomicWrite, its highest sequence nr and the TTL refresh become all-or-nothing. Every check runs
/// before the first write, so a rejected script has written nothing. StackExchange.Redis sends EVALSHA
/// once the script is cached on the server, so the body travels once per connection.
/// KEYS are always <see cref="RedisKeys.All"/>: [1] events, [2] highest sequence nr, [3] snapshots. (A single-event id's one event is a plain SET NX PX, no script.)
/// Both scripts end by giving all three keys the id's TTL, or removing any TTL when it is 0 (PERSIST):
/// the keys of one id always share one expiry, so an id expires whole and turning the TTL off really
/// keeps an id that is still written (its keys would otherwise expire at the old deadline).
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// ARGV: [1] ttl in ms (0 = none), [2] lowest and [3] highest sequence nr of the write, then
    /// (sequence nr, serialized event) pairs. Rejects a write that does not go above the highest
    /// sequence nr ever written, so a retried or duplicated batch can never put two events at one
    /// sequence nr (the sorted set would happily keep both).
    /// </summary>
    public const string WriteEvents = """
        local highest = tonumber(redis.call('GET', KEYS[2]) or '0')
        if tonumber(ARGV[2]) <= highest then
          return redis.error_reply('ERR sequence nr ' .. ARGV[2] .. ' is not above the highest already written (' .. tostring(highest) .. ')')
        end
        for i = 4, #ARGV, 2 do
          redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
        end
        redis.call('SET', KEYS[2], ARGV[3])
        local ttl = tonumber(ARGV[1])
        for i = 1, 3 do
          if ttl > 0 then
            redis.call('PEXPIRE', KEYS[i], ttl)
          else
            redis.call('PERSIST', KEYS[i])
          end
        end
        return (#ARGV - 3) / 2
        """;

    /// <summary>
    /// ARGV: [1] ttl in ms (0 = none), [2] sequence nr, [3] snapshot record. One snapshot per sequence
    /// nr: saving again at the same sequence nr replaces it, as Akka's other snapshot stores do.
    /// </summary>
    public const string SaveSnapshot = """
        redis.call('ZREMRANGEBYSCORE', KEYS[3], ARGV[2], ARGV[2])
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
        local ttl = tonumber(ARGV[1])
        for i = 1, 3 do
          if ttl > 0 then
            redis.call('PEXPIRE', KEYS[i], ttl)
          else
            redis.call('PERSIST', KEYS[i])
          end
        end
        return 1
        """;
}
