using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// A TestKit whose ActorSystem uses the Redis journal and snapshot store against the fixture's server.
/// The config sets only the connection string and a key prefix (plus the extension that injects the
/// defaults), proving the plugins run on their embedded reference.conf. Each spec class gets its own
/// key prefix and every test its own persistence ids, so nothing leaks between tests.
/// </summary>
[Collection(RedisCollection.Name)]
public abstract class RedisSpecBase : Akka.TestKit.Xunit2.TestKit
{
    protected const string WriterGuid = "writer-1";

    protected RedisSpecBase(RedisServerFixture redis, ITestOutputHelper output, string extraHocon = "")
        : base(SpecConfig(redis, extraHocon), "redis-spec", output)
    {
        Redis = redis;
    }

    protected RedisServerFixture Redis { get; }

    protected string KeyPrefix => Sys.Settings.Config.GetString("akka.persistence.journal.redis.key-prefix");

    protected IActorRef Journal => Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);

    protected IActorRef SnapshotStore => Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);

    public static Config SpecConfig(RedisServerFixture redis, string extraHocon = "", string? keyPrefix = null)
    {
        keyPrefix ??= $"spec-{Guid.NewGuid():N}:";
        return ConfigurationFactory.ParseString(extraHocon).WithFallback(ConfigurationFactory.ParseString($$"""
            akka.loglevel = INFO
            akka.extensions = ["ActorTracing.Persistence.Redis.RedisPersistence, ActorTracing.Persistence.Redis"]
            akka.actor.serializers.failing = "ActorTracing.Persistence.Redis.Tests.FailingSerializer, ActorTracing.Persistence.Redis.Tests"
            akka.actor.serialization-bindings {
              "ActorTracing.Persistence.Redis.Tests.SpecPayloads+Unserializable, ActorTracing.Persistence.Redis.Tests" = failing
            }
            akka.persistence.journal.plugin = "akka.persistence.journal.redis"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.redis"
            akka.persistence.journal.redis {
              configuration-string = "{{redis.ConfigurationString}}"
              key-prefix = "{{keyPrefix}}"
            }
            akka.persistence.snapshot-store.redis {
              configuration-string = "{{redis.ConfigurationString}}"
              key-prefix = "{{keyPrefix}}"
            }
            """));
    }

    protected static string NewPersistenceId(string prefix = "p-") => $"{prefix}{Guid.NewGuid():N}";

    protected static Persistent Event(string persistenceId, long sequenceNr, object? payload = null, IActorRef? sender = null) =>
        new(payload ?? $"a-{sequenceNr}", sequenceNr, persistenceId, string.Empty, false, sender ?? ActorRefs.NoSender, WriterGuid, 0);

    protected static AtomicWrite Atomic(params IPersistentRepresentation[] events) =>
        new(events.ToImmutableList());

    /// <summary>Writes events from..to, one AtomicWrite each (as persist does), and waits for every success.</summary>
    protected void WriteEvents(string persistenceId, long from, long to)
    {
        var probe = CreateTestProbe();
        var writes = new List<IPersistentEnvelope>();
        for (var seq = from; seq <= to; seq++)
        {
            writes.Add(Atomic(Event(persistenceId, seq)));
        }

        Journal.Tell(new WriteMessages(writes, probe.Ref, 1));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        for (var seq = from; seq <= to; seq++)
        {
            var expected = seq;
            probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == expected && m.Persistent.PersistenceId == persistenceId);
        }
    }

    /// <summary>Replays and returns the sequence nrs and payloads in arrival order, plus the reported highest sequence nr.</summary>
    protected (IReadOnlyList<IPersistentRepresentation> Replayed, long Highest) Replay(string persistenceId, long from, long to, long max)
    {
        var probe = CreateTestProbe();
        Journal.Tell(new ReplayMessages(from, to, max, persistenceId, probe.Ref));
        var replayed = new List<IPersistentRepresentation>();
        while (true)
        {
            var message = probe.ExpectMsg<object>();
            switch (message)
            {
                case ReplayedMessage r:
                    replayed.Add(r.Persistent);
                    break;
                case RecoverySuccess s:
                    return (replayed, s.HighestSequenceNr);
                case ReplayMessagesFailure f:
                    throw new InvalidOperationException("Replay failed", f.Cause);
                default:
                    throw new InvalidOperationException($"Unexpected reply to ReplayMessages: {message}");
            }
        }
    }

    protected static long[] SequenceNrs(IEnumerable<IPersistentRepresentation> events) => [.. events.Select(e => e.SequenceNr)];

    protected void DeleteTo(string persistenceId, long toSequenceNr)
    {
        var probe = CreateTestProbe();
        Journal.Tell(new DeleteMessagesTo(persistenceId, toSequenceNr, probe.Ref));
        probe.ExpectMsg<DeleteMessagesSuccess>(m => m.ToSequenceNr == toSequenceNr);
    }
}
