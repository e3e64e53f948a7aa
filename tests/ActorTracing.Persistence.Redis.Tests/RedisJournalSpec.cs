using Akka.Actor;
using Akka.Persistence;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// The journal contract as Akka's journal TCK checks it, through the plugin message protocol
/// (WriteMessages / ReplayMessages / DeleteMessagesTo), against the real server.
/// </summary>
public sealed class RedisJournalSpec : RedisSpecBase
{
    public RedisJournalSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output)
    {
    }

    [Fact]
    public void Replaying_all_events_returns_them_in_order_with_payload_persistence_id_and_writer()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);

        Assert.Equal([1, 2, 3, 4, 5], SequenceNrs(replayed));
        Assert.Equal(5, highest);
        Assert.All(replayed, e =>
        {
            Assert.Equal($"a-{e.SequenceNr}", e.Payload);
            Assert.Equal(pid, e.PersistenceId);
            Assert.Equal(WriterGuid, e.WriterGuid);
            Assert.False(e.IsDeleted);
            Assert.True(e.Sender.IsNobody());
            Assert.True(e.Timestamp > 0, "the journal stamps each event when it writes it");
        });
    }

    [Fact]
    public void Replaying_from_a_lower_bound_skips_the_events_before_it()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        Assert.Equal([3, 4, 5], SequenceNrs(Replay(pid, 3, long.MaxValue, long.MaxValue).Replayed));
    }

    [Fact]
    public void Replaying_to_an_upper_bound_stops_there_but_still_reports_the_highest_sequence_nr()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        var (replayed, highest) = Replay(pid, 1, 3, long.MaxValue);

        Assert.Equal([1, 2, 3], SequenceNrs(replayed));
        Assert.Equal(5, highest);
    }

    [Fact]
    public void Replaying_with_a_max_returns_at_most_that_many_events()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        Assert.Equal([2, 3], SequenceNrs(Replay(pid, 2, long.MaxValue, 2).Replayed));
        Assert.Equal([1, 2, 3], SequenceNrs(Replay(pid, 1, 3, 7).Replayed));
    }

    [Fact]
    public void Replaying_with_max_zero_returns_no_event_but_the_highest_sequence_nr()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        var (replayed, highest) = Replay(pid, 1, long.MaxValue, 0);

        Assert.Empty(replayed);
        Assert.Equal(5, highest);
    }

    [Fact]
    public void Replaying_from_beyond_the_highest_sequence_nr_returns_no_event()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        var (replayed, highest) = Replay(pid, 6, long.MaxValue, long.MaxValue);

        Assert.Empty(replayed);
        Assert.Equal(5, highest);
    }

    [Fact]
    public void Replaying_a_range_whose_upper_bound_is_below_its_lower_bound_returns_no_event()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        Assert.Empty(Replay(pid, 4, 2, long.MaxValue).Replayed);
    }

    [Fact]
    public void An_unknown_persistence_id_replays_nothing_and_reports_highest_sequence_nr_zero()
    {
        var (replayed, highest) = Replay(NewPersistenceId(), 1, long.MaxValue, long.MaxValue);

        Assert.Empty(replayed);
        Assert.Equal(0, highest);
    }

    [Fact]
    public void The_highest_sequence_nr_is_reported_when_reading_from_a_later_sequence_nr()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        Assert.Equal(5, Replay(pid, 3, long.MaxValue, 0).Highest);
        Assert.Equal(5, Replay(pid, 5, long.MaxValue, 0).Highest);
    }

    [Fact]
    public void Deleting_to_a_sequence_nr_removes_those_events_from_replay_and_keeps_the_highest_sequence_nr()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        DeleteTo(pid, 3);
        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);

        Assert.Equal([4, 5], SequenceNrs(replayed));
        Assert.Equal(5, highest);
    }

    [Fact]
    public void Deleting_every_event_keeps_the_highest_sequence_nr_so_sequence_nrs_are_never_reused()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        DeleteTo(pid, 5);
        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);

        Assert.Empty(replayed);
        Assert.Equal(5, highest);
        Assert.Equal(5, Replay(pid, 3, long.MaxValue, 0).Highest);
    }

    [Fact]
    public void Deleting_beyond_the_highest_sequence_nr_deletes_everything_and_does_not_move_the_highest_sequence_nr()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 5);

        DeleteTo(pid, 100);
        Assert.Equal(5, Replay(pid, 1, long.MaxValue, long.MaxValue).Highest);

        WriteEvents(pid, 6, 7);
        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);
        Assert.Equal([6, 7], SequenceNrs(replayed));
        Assert.Equal(7, highest);
    }

    [Fact]
    public void Deleting_twice_to_the_same_sequence_nr_succeeds_both_times()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 3);

        DeleteTo(pid, 2);
        DeleteTo(pid, 2);

        Assert.Equal([3], SequenceNrs(Replay(pid, 1, long.MaxValue, long.MaxValue).Replayed));
    }

    [Fact]
    public void Events_of_different_persistence_ids_are_kept_apart()
    {
        var a = NewPersistenceId("a-");
        var b = NewPersistenceId("b-");
        WriteEvents(a, 1, 3);
        WriteEvents(b, 1, 2);
        DeleteTo(b, 1);

        var (fromA, highestA) = Replay(a, 1, long.MaxValue, long.MaxValue);
        var (fromB, highestB) = Replay(b, 1, long.MaxValue, long.MaxValue);

        Assert.Equal([1, 2, 3], SequenceNrs(fromA));
        Assert.All(fromA, e => Assert.Equal(a, e.PersistenceId));
        Assert.Equal(3, highestA);
        Assert.Equal([2], SequenceNrs(fromB));
        Assert.Equal(2, highestB);
    }

    [Fact]
    public void The_events_are_stored_in_one_sorted_set_per_persistence_id_with_the_sequence_nr_as_score()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 4);

        var key = $"{KeyPrefix}j:{{{pid}}}";
        Assert.Equal(4, Redis.Database.SortedSetLength(key));
        Assert.Equal([1d, 2d, 3d, 4d], Redis.Database.SortedSetRangeByRankWithScores(key).Select(e => e.Score));
        Assert.Equal("4", Redis.Database.StringGet($"{KeyPrefix}j:{{{pid}}}:highest").ToString());
    }

    [Fact]
    public void Events_are_stored_in_the_binary_format_of_akkas_persistence_message_serializer()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 1);
        var serializer = Sys.Serialization.FindSerializerForType(typeof(Persistent));

        var stored = (byte[])Redis.Database.SortedSetRangeByRank($"{KeyPrefix}j:{{{pid}}}").Single()!;
        var decoded = (IPersistentRepresentation)new Akka.Persistence.Serialization.PersistenceMessageSerializer((ExtendedActorSystem)Sys)
            .FromBinary(stored, typeof(Persistent));

        Assert.IsType<Akka.Persistence.Serialization.PersistenceMessageSerializer>(serializer);
        Assert.Equal("a-1", decoded.Payload);
        Assert.Equal(1, decoded.SequenceNr);
        Assert.Equal(pid, decoded.PersistenceId);
    }

    [Fact]
    public void Payloads_that_reference_actors_come_back_as_the_same_actor()
    {
        var pid = NewPersistenceId();
        var target = CreateTestProbe();
        var probe = CreateTestProbe();
        Journal.Tell(new WriteMessages([Atomic(Event(pid, 1, new SpecPayloads.ActorPayload(target.Ref)))], probe.Ref, 1));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ExpectMsg<WriteMessageSuccess>();

        var replayed = Assert.Single(Replay(pid, 1, long.MaxValue, long.MaxValue).Replayed);

        Assert.Equal(target.Ref, Assert.IsType<SpecPayloads.ActorPayload>(replayed.Payload).Target);
    }
}
