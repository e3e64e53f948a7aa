using Akka.Actor;
using Akka.Persistence;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// What one WriteMessages costs in Redis commands, read from the server's own INFO commandstats:
/// one script per AtomicWrite (sent together as one batch), never a command per event from the client.
/// </summary>
public sealed class RedisJournalCommandCountSpec : RedisSpecBase
{
    private readonly ITestOutputHelper _output;

    public RedisJournalCommandCountSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output)
    {
        _output = output;
    }

    [Fact]
    public void One_write_messages_call_sends_one_script_per_atomic_write_and_no_command_per_event()
    {
        const int AtomicWrites = 10;
        const int EventsPerWrite = 3;
        WriteEvents(NewPersistenceId("warm-up-"), 1, 1);
        var probe = CreateTestProbe();
        var writes = Enumerable.Range(0, AtomicWrites)
            .Select(_ => NewPersistenceId())
            .Select(pid => (IPersistentEnvelope)Atomic([.. Enumerable.Range(1, EventsPerWrite).Select(seq => Event(pid, seq))]))
            .ToList();
        var before = Redis.CommandCalls();

        Journal.Tell(new WriteMessages(writes, probe.Ref, 1));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ReceiveN(AtomicWrites * EventsPerWrite);

        var after = Redis.CommandCalls();
        long Delta(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
        _output.WriteLine($"eval +{Delta("eval")}, evalsha +{Delta("evalsha")}, zadd +{Delta("zadd")}, set +{Delta("set")}, get +{Delta("get")}");
        Assert.Equal(AtomicWrites, Delta("eval") + Delta("evalsha"));
        Assert.Equal(AtomicWrites * EventsPerWrite, Delta("zadd"));
        Assert.Equal(AtomicWrites, Delta("set"));
    }
}
