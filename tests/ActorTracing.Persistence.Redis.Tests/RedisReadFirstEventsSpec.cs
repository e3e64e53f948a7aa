using Akka.Actor;
using Akka.Configuration;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// <see cref="ReadFirstEvents"/>: the first event of many persistence ids in one answer, in request
/// order, from one pipelined batch of range reads — no sequence-nr read, no replay per id.
/// </summary>
public sealed class RedisReadFirstEventsSpec : RedisSpecBase
{
    private readonly ITestOutputHelper _output;

    public RedisReadFirstEventsSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output)
    {
        _output = output;
    }

    [Fact]
    public void Answers_each_ids_first_event_in_request_order_and_null_for_an_id_never_written()
    {
        var three = NewPersistenceId();
        var one = NewPersistenceId();
        var never = NewPersistenceId();
        WriteEvents(three, 1, 3);
        WriteEvents(one, 1, 1);

        Journal.Tell(new ReadFirstEvents([three, never, one]), TestActor);

        var read = ExpectMsg<FirstEventsRead>();
        Assert.Equal(3, read.Events.Count);
        Assert.Equal((three, 1L, (object)"a-1"), (read.Events[0]!.PersistenceId, read.Events[0]!.SequenceNr, read.Events[0]!.Payload));
        Assert.Null(read.Events[1]);
        Assert.Equal((one, 1L), (read.Events[2]!.PersistenceId, read.Events[2]!.SequenceNr));
    }

    [Fact]
    public void A_read_of_many_ids_costs_one_range_read_each_and_nothing_else()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => NewPersistenceId()).ToArray();
        WriteEvents(ids[7], 1, 1);
        var before = Redis.CommandCalls();

        Journal.Tell(new ReadFirstEvents(ids), TestActor);
        var read = ExpectMsg<FirstEventsRead>();

        var after = Redis.CommandCalls();
        long Delta(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
        _output.WriteLine($"zrange +{Delta("zrange")}, zrangebyscore +{Delta("zrangebyscore")}, get +{Delta("get")}");
        Assert.Equal(ids.Length, Delta("zrange"));
        Assert.Equal(0, Delta("zrangebyscore"));
        Assert.Equal(0, Delta("get"));
        Assert.Equal([7], read.Events.Select((e, i) => (e, i)).Where(x => x.e is not null).Select(x => x.i));
    }

    [Fact]
    public void An_id_whose_first_events_were_deleted_answers_with_the_earliest_left()
    {
        var id = NewPersistenceId();
        WriteEvents(id, 1, 3);
        Journal.Tell(new Akka.Persistence.DeleteMessagesTo(id, 2, TestActor));
        ExpectMsg<Akka.Persistence.DeleteMessagesSuccess>();

        Journal.Tell(new ReadFirstEvents([id]), TestActor);

        Assert.Equal(3L, ExpectMsg<FirstEventsRead>().Events[0]!.SequenceNr);
    }

    [Fact]
    public void Only_this_journal_says_it_answers_the_read()
    {
        var config = Sys.Settings.Config;
        Assert.True(RedisJournal.AnswersReadFirstEvents(config, "akka.persistence.journal.redis"));
        Assert.True(RedisJournal.AnswersReadFirstEvents(config, string.Empty));
        Assert.False(RedisJournal.AnswersReadFirstEvents(config, "akka.persistence.journal.inmem"));
        Assert.False(RedisJournal.AnswersReadFirstEvents(ConfigurationFactory.ParseString("akka.persistence.journal.plugin = \"akka.persistence.journal.inmem\"").WithFallback(config), string.Empty));
    }
}
