using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Sampling;
using ActorTracing.Persistence.Redis;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Actors.Tests.Traces;

/// <summary>
/// How a node's decision lookups reach the journal. The journal here is a probe that answers as
/// the Redis journal does (that journal's own read runs against a real server in
/// RedisReadFirstEventsSpec); what is under test is the batching: one read out at a time, the
/// lookups asked meanwhile in the next, answers grouped per shard, failures and timeouts answered.
/// </summary>
public sealed class JournalLookupsSpec : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly TestProbe _journal;

    public JournalLookupsSpec()
        : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
        _journal = CreateTestProbe("journal");
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    private static TraceId Trace(int n) => new(0xAB, (ulong)n);

    private static string Pid(int n) => TraceShardActor.PersistenceIdPrefix + Trace(n).ToHex();

    private static Persistent DecidedEvent(int n, bool keep) => new(
        new TraceEvents.Decided(Trace(n), new SamplingDecision(keep, "rule", 1), "root", DateTimeOffset.UnixEpoch),
        1, Pid(n), string.Empty, false, ActorRefs.NoSender, "w");

    private JournalLookups Lookups(bool batched = true) => new(_journal.Ref, batched, Timeout, Sys.Scheduler);

    /// <summary>One lookup of trace <paramref name="first"/> sent and its read out at the journal, not answered yet.</summary>
    private (JournalLookups Lookups, TestProbe Shard, IActorRef Reader) OneReadOut(ulong first = 1)
    {
        var lookups = Lookups();
        var shard = CreateTestProbe();
        lookups.Request(Trace((int)first), shard.Ref);
        _journal.ExpectMsg<ReadFirstEvents>();
        return (lookups, shard, _journal.LastSender);
    }

    [Fact]
    public void An_idle_nodes_lookup_leaves_at_once_and_those_asked_meanwhile_go_together_in_the_next_read()
    {
        var lookups = Lookups();
        var shardA = CreateTestProbe();
        var shardB = CreateTestProbe();

        lookups.Request(Trace(1), shardA.Ref);
        var first = _journal.ExpectMsg<ReadFirstEvents>();
        Assert.Equal([Pid(1)], first.PersistenceIds);
        var firstReader = _journal.LastSender;

        lookups.Request(Trace(2), shardA.Ref);
        lookups.Request(Trace(3), shardB.Ref);
        lookups.Request(Trace(4), shardA.Ref);
        _journal.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        firstReader.Tell(new FirstEventsRead([DecidedEvent(1, keep: true)]));
        Assert.True(shardA.ExpectMsg<JournalLookups.Answers>().Found.Single().Decided!.Decision.Keep);

        var second = _journal.ExpectMsg<ReadFirstEvents>();
        Assert.Equal([Pid(2), Pid(3), Pid(4)], second.PersistenceIds);
        _journal.LastSender.Tell(new FirstEventsRead([null, DecidedEvent(3, keep: false), null]));

        var a = shardA.ExpectMsg<JournalLookups.Answers>();
        Assert.Equal([Trace(2), Trace(4)], a.Found.Select(f => f.TraceId));
        Assert.All(a.Found, f => Assert.True(f.Decided is null && f.Failure is null));
        var b = shardB.ExpectMsg<JournalLookups.Answers>().Found.Single();
        Assert.Equal((Trace(3), false), (b.TraceId, b.Decided!.Decision.Keep));
        Assert.Equal(2, lookups.Reads);

        // Nothing queued: the next lookup leaves at once again.
        lookups.Request(Trace(5), shardB.Ref);
        Assert.Equal([Pid(5)], _journal.ExpectMsg<ReadFirstEvents>().PersistenceIds);
    }

    [Fact]
    public void A_backlog_goes_out_in_reads_of_at_most_max_batch_ids()
    {
        var (lookups, shard, reader) = OneReadOut(first: 0);
        for (var i = 1; i <= JournalLookups.MaxBatch + 1; i++)
        {
            lookups.Request(Trace(i), shard.Ref);
        }

        reader.Tell(new FirstEventsRead([null]));
        var full = _journal.ExpectMsg<ReadFirstEvents>();
        Assert.Equal(JournalLookups.MaxBatch, full.PersistenceIds.Count);
        _journal.LastSender.Tell(new FirstEventsRead(new IPersistentRepresentation?[JournalLookups.MaxBatch]));
        Assert.Equal([Pid(JournalLookups.MaxBatch + 1)], _journal.ExpectMsg<ReadFirstEvents>().PersistenceIds);
        Assert.Single(shard.ExpectMsg<JournalLookups.Answers>().Found);
        Assert.Equal(JournalLookups.MaxBatch, shard.ExpectMsg<JournalLookups.Answers>().Found.Count);
    }

    [Fact]
    public void A_failed_read_answers_every_lookup_in_it_with_the_failure_and_the_next_read_still_goes()
    {
        var (lookups, shard, reader) = OneReadOut();
        lookups.Request(Trace(2), shard.Ref);

        reader.Tell(new Status.Failure(new InvalidOperationException("redis down")));

        var failed = shard.ExpectMsg<JournalLookups.Answers>().Found.Single();
        Assert.Equal((Trace(1), "redis down"), (failed.TraceId, failed.Failure!.Message));
        Assert.Equal([Pid(2)], _journal.ExpectMsg<ReadFirstEvents>().PersistenceIds);
    }

    [Fact]
    public void An_answer_that_does_not_match_the_ids_is_a_failure_and_the_next_read_still_goes()
    {
        var (lookups, shard, reader) = OneReadOut();
        lookups.Request(Trace(2), shard.Ref);

        reader.Tell(new FirstEventsRead([]));

        Assert.Contains("0 events for 1 ids", shard.ExpectMsg<JournalLookups.Answers>().Found.Single().Failure!.Message, StringComparison.Ordinal);
        Assert.Equal([Pid(2)], _journal.ExpectMsg<ReadFirstEvents>().PersistenceIds);
    }

    [Fact]
    public void A_read_not_answered_within_the_timeout_answers_its_lookups_with_a_timeout()
    {
        var (_, shard, _) = OneReadOut();
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        Clock.Advance(Timeout);

        var found = shard.ExpectMsg<JournalLookups.Answers>().Found.Single();
        Assert.IsType<TimeoutException>(found.Failure);
        Assert.Null(found.Decided);
    }

    [Fact]
    public void Another_journal_gets_a_replay_per_trace_answered_on_its_own()
    {
        var lookups = Lookups(batched: false);
        var shard = CreateTestProbe();

        lookups.Request(Trace(1), shard.Ref);
        lookups.Request(Trace(2), shard.Ref);

        var one = _journal.ExpectMsg<ReplayMessages>();
        var two = _journal.ExpectMsg<ReplayMessages>();
        Assert.Equal((Pid(1), Pid(2), 1L), (one.PersistenceId, two.PersistenceId, one.Max));
        one.PersistentActor.Tell(new ReplayedMessage(DecidedEvent(1, keep: true)));
        Assert.Equal(Trace(1), shard.ExpectMsg<JournalLookups.Answers>().Found.Single().Decided!.TraceId);
        two.PersistentActor.Tell(new RecoverySuccess(0));
        Assert.Null(shard.ExpectMsg<JournalLookups.Answers>().Found.Single().Decided);
        Assert.Equal(2, lookups.Reads);
    }
}
