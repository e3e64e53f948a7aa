using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using StackExchange.Redis;
using AkkaSerialization = Akka.Serialization.Serialization;
using AkkaSerializer = Akka.Serialization.Serializer;
using SerializedSnapshot = Akka.Persistence.Serialization.Snapshot;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// Akka.Persistence snapshot store on Redis. Per persistence id one sorted set: score = sequence nr,
/// member = <see cref="SnapshotRecord"/> (timestamp + the state as Akka's persistence snapshot serializer
/// writes it). Configured by <c>akka.persistence.snapshot-store.redis</c> (reference.conf).
/// </summary>
public class RedisSnapshotStore : SnapshotStore
{
    private readonly ExtendedActorSystem _system;
    private readonly RedisPersistenceSettings _settings;
    private readonly RedisKeys _keys;
    private readonly IDatabase _database;
    private readonly AkkaSerializer _serializer;

    public RedisSnapshotStore(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _system = (ExtendedActorSystem)Context.System;
        var extension = RedisPersistence.Instance.Apply(_system);
        _settings = RedisPersistenceSettings.Create(config, Self.Path.Name);
        _keys = new RedisKeys(_settings.KeyPrefix);
        _database = extension.GetConnection(_settings.ConfigurationString).GetDatabase(_settings.Database);
        _serializer = _system.Serialization.FindSerializerForType(typeof(SerializedSnapshot));
    }

    /// <summary>The validated settings this store runs with.</summary>
    public RedisPersistenceSettings Settings => _settings;

    /// <summary>
    /// Newest snapshot within the criteria. Candidates come newest first, <c>page-size</c> per request;
    /// timestamp bounds are checked on the record header, so only the chosen one is deserialized.
    /// </summary>
    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        var key = _keys.Snapshots(persistenceId);
        var minTimestamp = criteria.MinTimestamp ?? DateTime.MinValue;
        var upper = criteria.MaxSequenceNr;
        while (upper >= criteria.MinSequenceNr)
        {
            var page = await _database
                .SortedSetRangeByScoreWithScoresAsync(key, criteria.MinSequenceNr, upper, Exclude.None, Order.Descending, 0, _settings.PageSize)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
            foreach (var entry in page)
            {
                var record = (byte[])entry.Element!;
                var timestamp = SnapshotRecord.ReadTimestamp(record);
                if (timestamp <= criteria.MaxTimeStamp && timestamp >= minTimestamp)
                {
                    var snapshot = (SerializedSnapshot)_serializer.FromBinary(SnapshotRecord.ReadSnapshot(record), typeof(SerializedSnapshot));
                    return new SelectedSnapshot(new SnapshotMetadata(persistenceId, (long)entry.Score, timestamp), snapshot.Data);
                }
            }

            if (page.Length < _settings.PageSize)
            {
                break;
            }

            // Resume below the last score seen rather than by offset, so concurrent deletes cannot skip one.
            upper = (long)page[^1].Score - 1;
        }

        return null;
    }

    /// <summary>One atomic script: replaces any snapshot at the same sequence nr and refreshes the TTL.</summary>
    protected override async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        // DateTime.MinValue is Akka's "timestamp not specified"; a stored snapshot always gets a real one
        // so that loads and deletes with timestamp bounds can select it.
        var timestamp = metadata.Timestamp == DateTime.MinValue ? DateTime.UtcNow : metadata.Timestamp;
        var bytes = AkkaSerialization.WithTransport(_system, (_serializer, snapshot), static s => s._serializer.ToBinary(new SerializedSnapshot(s.snapshot)));
        RedisValue[] arguments =
        [
            _settings.KeyTtl.MillisecondsFor(metadata.PersistenceId),
            metadata.SequenceNr,
            SnapshotRecord.Encode(timestamp, bytes),
        ];
        await _database
            .ScriptEvaluateAsync(RedisScripts.SaveSnapshot, _keys.All(metadata.PersistenceId), arguments)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the snapshot at the metadata's sequence nr; when the metadata carries a timestamp, only
    /// if it matches (the same rule as Akka's local snapshot store).
    /// </summary>
    protected override async Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var key = _keys.Snapshots(metadata.PersistenceId);
        // DateTime.MinValue is Akka's "timestamp not specified": match on the sequence nr alone.
        if (metadata.Timestamp == DateTime.MinValue)
        {
            await _database.SortedSetRemoveRangeByScoreAsync(key, metadata.SequenceNr, metadata.SequenceNr).WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await DeleteMatchingAsync(key, metadata.SequenceNr, metadata.SequenceNr, metadata.Timestamp, metadata.Timestamp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes every snapshot within the criteria: one command without timestamp bounds, otherwise a
    /// read of the sequence nr range and a removal of the members whose timestamp is in bounds.
    /// </summary>
    protected override async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        var key = _keys.Snapshots(persistenceId);
        var minTimestamp = criteria.MinTimestamp ?? DateTime.MinValue;
        if (criteria.MaxTimeStamp == DateTime.MaxValue && minTimestamp == DateTime.MinValue)
        {
            await _database.SortedSetRemoveRangeByScoreAsync(key, criteria.MinSequenceNr, criteria.MaxSequenceNr).WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await DeleteMatchingAsync(key, criteria.MinSequenceNr, criteria.MaxSequenceNr, minTimestamp, criteria.MaxTimeStamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteMatchingAsync(RedisKey key, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp, CancellationToken cancellationToken)
    {
        var candidates = await _database.SortedSetRangeByScoreAsync(key, minSequenceNr, maxSequenceNr).WaitAsync(cancellationToken).ConfigureAwait(false);
        var doomed = Array.FindAll(candidates, member =>
        {
            var timestamp = SnapshotRecord.ReadTimestamp((byte[])member!);
            return timestamp >= minTimestamp && timestamp <= maxTimestamp;
        });

        // ZREM by exact member: a snapshot saved again in between (a different member) survives.
        if (doomed.Length > 0)
        {
            await _database.SortedSetRemoveAsync(key, doomed).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<PersistenceHealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await _database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return new PersistenceHealthCheckResult(PersistenceHealthStatus.Healthy, $"Redis snapshot store: PING answered in {latency.TotalMilliseconds:F1}ms", null!, null!);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
        {
            return new PersistenceHealthCheckResult(PersistenceHealthStatus.Unhealthy, $"Redis snapshot store: PING failed: {e.Message}", e, null!);
        }
    }
}
