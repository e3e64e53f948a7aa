using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using StackExchange.Redis;
using AkkaSerialization = Akka.Serialization.Serialization;
using AkkaSerializer = Akka.Serialization.Serializer;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// Akka.Persistence journal on Redis (StackExchange.Redis). Per persistence id: a sorted set of events
/// (score = sequence nr, member = the event as Akka's persistence message serializer writes a
/// <see cref="Persistent"/>) and a highest-sequence-nr key that deletes never lower. Ids under a
/// <c>single-event-prefixes</c> entry (trace decisions: one event per id, ever) are one string key
/// instead, ~4x less Redis memory. Configured by <c>akka.persistence.journal.redis</c> (reference.conf).
/// </summary>
public class RedisJournal : AsyncWriteJournal
{
    private readonly ExtendedActorSystem _system;
    private readonly RedisPersistenceSettings _settings;
    private readonly RedisKeys _keys;
    private readonly IDatabase _database;
    private readonly AkkaSerializer _serializer;

    public RedisJournal(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _system = (ExtendedActorSystem)Context.System;
        var extension = RedisPersistence.Instance.Apply(_system);

        // The plugin actor is named after its config path, so errors name the section the user wrote.
        _settings = RedisPersistenceSettings.Create(config, Self.Path.Name);
        _keys = new RedisKeys(_settings.KeyPrefix);
        _database = extension.GetConnection(_settings.ConfigurationString).GetDatabase(_settings.Database);
        _serializer = _system.Serialization.FindSerializerForType(typeof(Persistent));
    }

    /// <summary>The validated settings this journal runs with.</summary>
    public RedisPersistenceSettings Settings => _settings;

    /// <summary>
    /// Sends one Lua script per AtomicWrite, all in one StackExchange.Redis batch: N AtomicWrites cost
    /// one network round trip, not N and not one per event. Each script is atomic on its own, so one
    /// AtomicWrite is all-or-nothing while the others are independent.
    /// Ordering: every command is queued synchronously, before the first await. The journal actor
    /// handles WriteMessages one at a time and the connection sends commands in queue order, so the
    /// writes of successive calls reach Redis in the order the persistent actors issued them, even
    /// while an earlier call is still waiting for its replies.
    /// Unserializable AtomicWrites are never sent and come back as rejections (the persistent actor
    /// gets OnPersistRejected and lives on), as do writes Redis answers with an error (the script
    /// wrote nothing). Connection failures and timeouts fail the whole call (OnPersistFailure): whether
    /// such a write landed is unknown, so the actor must stop and recover.
    /// </summary>
    protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var writes = messages as IReadOnlyList<AtomicWrite> ?? [.. messages];
        var pending = new Task?[writes.Count];
        var results = new Exception?[writes.Count];

        var batch = _database.CreateBatch();
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            RedisValue[] arguments;
            try
            {
                if (_settings.IsSingleEvent(write.PersistenceId))
                {
                    // A plain SET NX PX, not a script: the one event is all there is to write.
                    var (ttl, value) = EncodeSingleWrite(write);
                    pending[i] = batch.StringSetAsync(_keys.SingleEvent(write.PersistenceId), value, ttl, When.NotExists);
                    continue;
                }
                arguments = EncodeWrite(write);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Serializers throw whatever they like; any of it means "this write cannot be stored".
                results[i] = e;
                continue;
            }

            pending[i] = batch.ScriptEvaluateAsync(RedisScripts.WriteEvents, _keys.All(write.PersistenceId), arguments);
        }

        batch.Execute();

        var sent = pending.OfType<Task>().ToArray();
        await Task.WhenAll(sent).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        for (var i = 0; i < pending.Length; i++)
        {
            if (pending[i] is Task<bool> { IsCompletedSuccessfully: true, Result: false })
            {
                results[i] = new InvalidOperationException($"the single event of persistence id {writes[i].PersistenceId} is already written");
                continue;
            }
            if (pending[i] is not { IsCompletedSuccessfully: false } task)
            {
                continue;
            }

            var error = task.Exception?.InnerException ?? new TaskCanceledException(task);
            if (error is RedisServerException)
            {
                results[i] = error;
            }
            else
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }

        // Akka's contract: null means "all written".
        return Array.TrueForAll(results, r => r is null) ? null! : results.Select(r => r!).ToImmutableList();
    }

    /// <summary>
    /// Reads <c>page-size</c> events per request, in sequence nr order, resuming after the last one
    /// seen (by score, so a concurrent delete cannot make a page skip events).
    /// </summary>
    public override async Task ReplayMessagesAsync(
        IActorContext context,
        string persistenceId,
        long fromSequenceNr,
        long toSequenceNr,
        long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        ArgumentNullException.ThrowIfNull(recoveryCallback);
        if (_settings.IsSingleEvent(persistenceId))
        {
            if (fromSequenceNr <= 1 && toSequenceNr >= 1 && max > 0
                && await _database.StringGetAsync(_keys.SingleEvent(persistenceId)).ConfigureAwait(false) is { IsNull: false } single)
            {
                recoveryCallback(Deserialize(single));
            }
            return;
        }
        var key = _keys.Events(persistenceId);
        var remaining = max;
        var next = fromSequenceNr;
        while (remaining > 0 && next <= toSequenceNr)
        {
            var take = Math.Min(_settings.PageSize, remaining);
            var page = await _database.SortedSetRangeByScoreAsync(key, next, toSequenceNr, take: take).ConfigureAwait(false);
            foreach (var member in page)
            {
                var persistent = Deserialize(member);
                recoveryCallback(persistent);
                next = persistent.SequenceNr + 1;
                remaining--;
            }

            if (page.Length < take)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Whether the journal plugin configured at <paramref name="pluginId"/> (a config path such as
    /// "akka.persistence.journal.redis"; empty = the default journal) is this journal, so it answers
    /// <see cref="ReadFirstEvents"/>. Read from the plugin's <c>class</c>, because the journal is only
    /// reachable as an actor ref.
    /// </summary>
    public static bool AnswersReadFirstEvents(Config config, string pluginId)
    {
        ArgumentNullException.ThrowIfNull(config);
        var id = string.IsNullOrEmpty(pluginId) ? config.GetString("akka.persistence.journal.plugin", string.Empty) : pluginId;
        if (string.IsNullOrEmpty(id))
        {
            return false;
        }
        var type = Type.GetType(config.GetString(id + ".class", string.Empty) ?? string.Empty, throwOnError: false);
        return type is not null && typeof(RedisJournal).IsAssignableFrom(type);
    }

    /// <summary>
    /// The SCAN / KEYS pattern of the single-event keys of persistence ids starting with
    /// <paramref name="persistenceIdPrefix"/> under <paramref name="keyPrefix"/> (for counting
    /// them from outside, as the bench does), so the key layout is spelled in one place.
    /// </summary>
    public static string SingleEventKeyPattern(string keyPrefix, string persistenceIdPrefix)
        => new RedisKeys(keyPrefix).SingleEventPattern(persistenceIdPrefix);

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not ReadFirstEvents read)
        {
            return false;
        }
        // Queued on the connection before the next write is (the journal handles one message at
        // a time), so a read sees every write the journal was asked for before it.
        ReadFirstEventsAsync(read.PersistenceIds).PipeTo(Sender, success: events => new FirstEventsRead(events));
        return true;
    }

    /// <summary>
    /// One StackExchange.Redis batch of ZRANGE 0 0 per id — one round trip for all of them, read
    /// by rank so an id whose first events were deleted answers with the earliest one left.
    /// </summary>
    private async Task<IPersistentRepresentation?[]> ReadFirstEventsAsync(IReadOnlyList<string> persistenceIds)
    {
        var batch = _database.CreateBatch();
        var pending = new Task[persistenceIds.Count];
        for (var i = 0; i < pending.Length; i++)
        {
            var id = persistenceIds[i];
            pending[i] = _settings.IsSingleEvent(id)
                ? batch.StringGetAsync(_keys.SingleEvent(id))
                : batch.SortedSetRangeByRankAsync(_keys.Events(id), 0, 0);
        }
        batch.Execute();
        await Task.WhenAll(pending).ConfigureAwait(false);
        var events = new IPersistentRepresentation?[pending.Length];
        for (var i = 0; i < pending.Length; i++)
        {
            var first = pending[i] switch
            {
                Task<RedisValue> single => single.Result,
                Task<RedisValue[]> { Result.Length: > 0 } range => range.Result[0],
                _ => RedisValue.Null,
            };
            events[i] = first.IsNull ? null : Deserialize(first);
        }
        return events;
    }

    private IPersistentRepresentation Deserialize(RedisValue stored)
        => (IPersistentRepresentation)_serializer.FromBinary((byte[])stored!, typeof(Persistent));

    /// <summary>
    /// The highest sequence nr ever written, from its own key: it survives deleting every event, so a
    /// recovered actor never reuses a sequence nr. <paramref name="fromSequenceNr"/> is only a hint
    /// Akka passes; the answer does not depend on it.
    /// </summary>
    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        if (_settings.IsSingleEvent(persistenceId))
        {
            return await _database.KeyExistsAsync(_keys.SingleEvent(persistenceId)).WaitAsync(cancellationToken).ConfigureAwait(false) ? 1L : 0L;
        }

        var value = await _database.StringGetAsync(_keys.HighestSequenceNr(persistenceId)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return value.IsNull ? 0L : (long)value;
    }

    /// <summary>
    /// Physically removes the events up to <paramref name="toSequenceNr"/> (one command); the
    /// highest-sequence-nr key is left alone, so deleting beyond the end is harmless.
    /// </summary>
    protected override async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        if (_settings.IsSingleEvent(persistenceId))
        {
            // Deleting the one event would let a later incarnation write sequence nr 1 again.
            throw new NotSupportedException($"persistence id {persistenceId} is single-event (single-event-prefixes): its event is never deleted, it expires (key-ttl)");
        }

        await _database
            .SortedSetRemoveRangeByScoreAsync(_keys.Events(persistenceId), double.NegativeInfinity, toSequenceNr)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
    }

    public override async Task<PersistenceHealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await _database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return new PersistenceHealthCheckResult(PersistenceHealthStatus.Healthy, $"Redis journal: PING answered in {latency.TotalMilliseconds:F1}ms", null!, null!);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
        {
            return new PersistenceHealthCheckResult(PersistenceHealthStatus.Unhealthy, $"Redis journal: PING failed: {e.Message}", e, null!);
        }
    }

    private byte[] Serialize(IPersistentRepresentation persistent)
    {
        if (persistent.Timestamp == 0)
        {
            persistent = persistent.WithTimestamp(DateTime.UtcNow.Ticks);
        }
        // WithTransport: actor refs inside payloads serialize with this system's address.
        return AkkaSerialization.WithTransport(_system, (_serializer, persistent), static s => s._serializer.ToBinary(s.persistent));
    }

    private (TimeSpan? Ttl, byte[] Value) EncodeSingleWrite(AtomicWrite write)
    {
        var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
        if (events.Count != 1 || events[0].SequenceNr != 1)
        {
            throw new InvalidOperationException(
                $"persistence id {write.PersistenceId} is single-event (single-event-prefixes): one event at sequence nr 1 only, got {events.Count} up to sequence nr {write.HighestSequenceNr}");
        }
        var ttl = _settings.KeyTtl.MillisecondsFor(write.PersistenceId);
        return (ttl > 0 ? TimeSpan.FromMilliseconds(ttl) : null, Serialize(events[0]));
    }

    private RedisValue[] EncodeWrite(AtomicWrite write)
    {
        var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
        var arguments = new RedisValue[3 + (events.Count * 2)];
        arguments[0] = _settings.KeyTtl.MillisecondsFor(write.PersistenceId);
        arguments[1] = write.LowestSequenceNr;
        arguments[2] = write.HighestSequenceNr;
        for (var j = 0; j < events.Count; j++)
        {
            arguments[3 + (2 * j)] = events[j].SequenceNr;
            arguments[4 + (2 * j)] = Serialize(events[j]);
        }

        return arguments;
    }
}
