using Akka.Actor;
using Akka.Persistence;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// AtomicWrite semantics: each AtomicWrite is all-or-nothing and independent of the others in the
/// same WriteMessages, and writes keep their order under concurrency.
/// </summary>
public sealed class RedisJournalAtomicWriteSpec : RedisSpecBase
{
    public RedisJournalAtomicWriteSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output)
    {
    }

    [Fact]
    public void An_atomic_write_of_several_events_is_stored_whole()
    {
        var pid = NewPersistenceId();
        var probe = CreateTestProbe();

        Journal.Tell(new WriteMessages([Atomic(Event(pid, 1), Event(pid, 2), Event(pid, 3))], probe.Ref, 1));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        for (var seq = 1L; seq <= 3; seq++)
        {
            var expected = seq;
            probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == expected);
        }

        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);
        Assert.Equal([1, 2, 3], SequenceNrs(replayed));
        Assert.Equal(3, highest);
    }

    [Fact]
    public void An_unserializable_event_rejects_its_whole_atomic_write_and_not_the_others()
    {
        var pid = NewPersistenceId();
        var probe = CreateTestProbe();
        IPersistentEnvelope[] writes =
        [
            Atomic(Event(pid, 1)),
            Atomic(Event(pid, 2), Event(pid, 3, new SpecPayloads.Unserializable("boom")), Event(pid, 4)),
            Atomic(Event(pid, 5)),
        ];

        Journal.Tell(new WriteMessages(writes, probe.Ref, 1));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 1);
        for (var seq = 2L; seq <= 4; seq++)
        {
            var expected = seq;
            var rejected = probe.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == expected);
            Assert.Contains("cannot be serialized", rejected.Cause.Message, StringComparison.Ordinal);
        }

        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 5);

        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);
        Assert.Equal([1, 5], SequenceNrs(replayed));
        Assert.Equal(5, highest);
    }

    [Fact]
    public void A_write_redis_refuses_is_rejected_whole_and_leaves_nothing_behind()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 2);
        var probe = CreateTestProbe();

        // Sequence nrs 2..3 overlap what is stored: the script refuses before writing, so neither 2'
        // nor 3 lands; the next AtomicWrite in the same call is unaffected.
        Journal.Tell(new WriteMessages(
            [Atomic(Event(pid, 2, "a-2-again"), Event(pid, 3, "a-3-first-try")), Atomic(Event(pid, 3))],
            probe.Ref,
            1));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        var rejected = probe.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 2);
        Assert.IsType<RedisServerException>(rejected.Cause);
        Assert.Contains("not above the highest", rejected.Cause.Message, StringComparison.Ordinal);
        probe.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 3);
        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 3);

        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);
        Assert.Equal([1, 2, 3], SequenceNrs(replayed));
        Assert.Equal(["a-1", "a-2", "a-3"], replayed.Select(e => (string)e.Payload));
        Assert.Equal(3, highest);
    }

    [Fact]
    public void Concurrent_writes_for_different_persistence_ids_keep_each_ids_order()
    {
        const int Ids = 16;
        const int EventsPerId = 40;
        var pids = Enumerable.Range(0, Ids).Select(i => NewPersistenceId($"c{i}-")).ToArray();
        var probes = pids.Select(_ => CreateTestProbe()).ToArray();
        var journal = Journal;

        // Each id's writes are issued in order by one task (as one persistent actor would, without
        // waiting for replies, like PersistAsync), while the ids race each other.
        Parallel.For(0, Ids, i =>
        {
            for (var seq = 1L; seq <= EventsPerId; seq++)
            {
                journal.Tell(new WriteMessages([Atomic(Event(pids[i], seq, $"{pids[i]}/{seq}"))], probes[i].Ref, i));
            }
        });

        for (var i = 0; i < Ids; i++)
        {
            for (var seq = 1L; seq <= EventsPerId; seq++)
            {
                probes[i].ExpectMsg<WriteMessagesSuccessful>();
                var expected = seq;
                probes[i].ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == expected);
            }
        }

        for (var i = 0; i < Ids; i++)
        {
            var (replayed, highest) = Replay(pids[i], 1, long.MaxValue, long.MaxValue);
            Assert.Equal(Enumerable.Range(1, EventsPerId).Select(s => (long)s), SequenceNrs(replayed));
            Assert.Equal(replayed.Select(e => $"{pids[i]}/{e.SequenceNr}"), replayed.Select(e => (string)e.Payload));
            Assert.Equal(EventsPerId, highest);
        }
    }

    [Fact]
    public void One_write_messages_call_carries_many_atomic_writes_for_many_ids()
    {
        var pids = Enumerable.Range(0, 50).Select(i => NewPersistenceId($"m{i}-")).ToArray();
        var probe = CreateTestProbe();
        var writes = pids.Select(pid => (IPersistentEnvelope)Atomic(Event(pid, 1), Event(pid, 2))).ToList();

        Journal.Tell(new WriteMessages(writes, probe.Ref, 1));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        foreach (var pid in pids)
        {
            probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.PersistenceId == pid && m.Persistent.SequenceNr == 1);
            probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.PersistenceId == pid && m.Persistent.SequenceNr == 2);
        }

        Assert.All(pids, pid => Assert.Equal([1, 2], SequenceNrs(Replay(pid, 1, long.MaxValue, long.MaxValue).Replayed)));
    }
}
