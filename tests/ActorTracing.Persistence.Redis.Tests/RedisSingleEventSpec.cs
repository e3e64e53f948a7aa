using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// single-event-prefixes: ids that persist one event, ever (trace decisions), are one string key
/// written with one SET NX PX — replayed, counted and batch-read like any id, a second write rejected,
/// the TTL set — and cost a fraction of the general layout's Redis memory, measured by the server.
/// </summary>
public sealed class RedisSingleEventSpec : RedisSpecBase
{
    private const string Single = """
        akka.persistence.journal.redis {
          key-ttl-by-prefix { "trace-" = 2h }
          single-event-prefixes = ["trace-"]
        }
        """;

    private readonly ITestOutputHelper _output;

    public RedisSingleEventSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output, Single)
    {
        _output = output;
    }

    private RedisKey SingleKey(string pid) => $"{KeyPrefix}e:{{{pid}}}";

    private RedisKey EventsKey(string pid) => $"{KeyPrefix}j:{{{pid}}}";

    /// <summary>A payload the size of a trace decision's (the event serializes to ~160 bytes, past zset-max-listpack-value).</summary>
    private static string Decision(int n) => $"kept probabilistic/static got_root {n} " + new string('x', 60);

    [Fact]
    public void A_single_event_id_is_one_string_key_replayed_counted_and_read_like_any_id()
    {
        var pid = NewPersistenceId("trace-");
        Journal.Tell(new WriteMessages([Atomic(Event(pid, 1, Decision(1)))], TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>();
        ExpectMsg<WriteMessageSuccess>();

        Assert.Equal(RedisType.String, Redis.Database.KeyType(SingleKey(pid)));
        var server = Redis.Database.Multiplexer.GetServer(Redis.ConfigurationString);
        Assert.Equal([(string)SingleKey(pid)!], server.Keys(pattern: RedisJournal.SingleEventKeyPattern(KeyPrefix, "trace-")).Select(k => (string)k!));
        Assert.False(Redis.Database.KeyExists(EventsKey(pid)));
        Assert.False(Redis.Database.KeyExists($"{KeyPrefix}j:{{{pid}}}:highest"));
        Assert.InRange(Redis.Database.KeyTimeToLive(SingleKey(pid))!.Value, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));

        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);
        Assert.Equal(Decision(1), Assert.Single(replayed).Payload);
        Assert.Equal(1, highest);
        Assert.Empty(Replay(pid, 2, long.MaxValue, long.MaxValue).Replayed);
        Assert.Equal(0, Replay(NewPersistenceId("trace-"), 1, long.MaxValue, long.MaxValue).Highest);

        // A general id and a single-event one in one batched read.
        var general = NewPersistenceId("order-");
        WriteEvents(general, 1, 2);
        Journal.Tell(new ReadFirstEvents([pid, general, NewPersistenceId("trace-")]), TestActor);
        var read = ExpectMsg<FirstEventsRead>().Events;
        Assert.Equal((object)Decision(1), read[0]!.Payload);
        Assert.Equal((general, 1L), (read[1]!.PersistenceId, read[1]!.SequenceNr));
        Assert.Null(read[2]);
    }

    [Fact]
    public void Writing_ten_single_events_costs_ten_set_commands_and_no_script()
    {
        WriteEvents(NewPersistenceId("trace-"), 1, 1);
        var before = Redis.CommandCalls();
        Journal.Tell(new WriteMessages([.. Enumerable.Range(0, 10).Select(_ => (IPersistentEnvelope)Atomic(Event(NewPersistenceId("trace-"), 1, Decision(3))))], TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>();
        ReceiveN(10);

        var after = Redis.CommandCalls();
        long Delta(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
        Assert.Equal((10L, 0L, 0L), (Delta("set"), Delta("eval") + Delta("evalsha"), Delta("zadd")));
    }

    [Fact]
    public void A_second_write_is_rejected_and_the_first_stays()
    {
        var pid = NewPersistenceId("trace-");
        WriteEvents(pid, 1, 1);

        Journal.Tell(new WriteMessages([Atomic(Event(pid, 1, "second"))], TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>();
        Assert.Contains("already written", ExpectMsg<WriteMessageRejected>().Cause.Message, StringComparison.Ordinal);
        Assert.Equal("a-1", Assert.Single(Replay(pid, 1, long.MaxValue, long.MaxValue).Replayed).Payload);
    }

    [Fact]
    public void More_than_one_event_or_another_sequence_nr_is_rejected_without_writing()
    {
        var pid = NewPersistenceId("trace-");
        Journal.Tell(new WriteMessages([Atomic(Event(pid, 1), Event(pid, 2))], TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>();
        Assert.Contains("one event at sequence nr 1", ExpectMsg<WriteMessageRejected>().Cause.Message, StringComparison.Ordinal);
        ExpectMsg<WriteMessageRejected>();
        Assert.False(Redis.Database.KeyExists(SingleKey(pid)));

        Journal.Tell(new DeleteMessagesTo(pid, 1, TestActor));
        Assert.IsType<NotSupportedException>(ExpectMsg<DeleteMessagesFailure>().Cause);
    }

    [Fact]
    public void A_decision_sized_event_costs_a_fraction_of_the_general_layouts_redis_memory()
    {
        var single = NewPersistenceId("trace-");
        var general = NewPersistenceId("order-");
        Journal.Tell(new WriteMessages([Atomic(Event(single, 1, Decision(7))), Atomic(Event(general, 1, Decision(7)))], TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>();
        ExpectMsg<WriteMessageSuccess>();
        ExpectMsg<WriteMessageSuccess>();

        long Usage(RedisKey key) => (long)Redis.Database.Execute("MEMORY", "USAGE", key);
        var singleBytes = Usage(SingleKey(single));
        var generalBytes = Usage(EventsKey(general)) + Usage($"{KeyPrefix}j:{{{general}}}:highest");
        _output.WriteLine($"single-event {singleBytes} B, general layout {generalBytes} B (encoding {Redis.Database.Execute("OBJECT", "ENCODING", EventsKey(general))})");
        Assert.True(singleBytes * 3 < generalBytes, $"single-event {singleBytes} B against {generalBytes} B");
    }

    [Fact]
    public void An_empty_prefix_is_refused_naming_the_key()
    {
        var config = ConfigurationFactory.ParseString("single-event-prefixes = [\"trace-\", \"\"]");
        var error = Assert.Throws<ConfigurationException>(() => RedisPersistenceSettings.Create(config, "akka.persistence.journal.redis"));
        Assert.Contains("akka.persistence.journal.redis.single-event-prefixes", error.Message, StringComparison.Ordinal);
    }
}
