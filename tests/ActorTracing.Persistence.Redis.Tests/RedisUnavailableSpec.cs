using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// With no Redis listening, writes FAIL (WriteMessagesFailed / WriteMessageFailure: the outcome is
/// unknown, the persistent actor must stop) rather than being rejected, and replays fail too.
/// </summary>
public sealed class RedisUnavailableSpec : Akka.TestKit.Xunit2.TestKit
{
    public RedisUnavailableSpec(ITestOutputHelper output)
        : base(UnreachableConfig(), "redis-unavailable-spec", output)
    {
    }

    [Fact]
    public void Writes_to_an_unreachable_server_fail_instead_of_being_rejected()
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var probe = CreateTestProbe();
        var pid = $"p-{Guid.NewGuid():N}";

        journal.Tell(new WriteMessages(
            [new AtomicWrite(new Persistent("a-1", 1, pid, string.Empty, false, ActorRefs.NoSender, "w", 0))],
            probe.Ref,
            1));

        var failed = probe.ExpectMsg<WriteMessagesFailed>(TimeSpan.FromSeconds(15));
        Assert.IsAssignableFrom<StackExchange.Redis.RedisException>(failed.Cause);
        probe.ExpectMsg<WriteMessageFailure>(m => m.Persistent.SequenceNr == 1);
    }

    [Fact]
    public void Replays_from_an_unreachable_server_fail()
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var probe = CreateTestProbe();

        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, $"p-{Guid.NewGuid():N}", probe.Ref));

        probe.ExpectMsg<ReplayMessagesFailure>(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task The_journal_reports_unhealthy()
    {
        var result = await Akka.Persistence.Persistence.Instance.Apply(Sys).CheckJournalHealthAsync(RedisPersistence.JournalConfigPath);

        Assert.Equal(PersistenceHealthStatus.Unhealthy, result.Status);
        Assert.Contains("PING failed", result.Description, StringComparison.Ordinal);
    }

    private static Config UnreachableConfig()
    {
        // A port that was free a moment ago: nothing listens there. StackExchange.Redis holds commands
        // in its backlog for syncTimeout while it reconnects; 1s keeps the spec short.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        return ConfigurationFactory.ParseString($$"""
            akka.extensions = ["ActorTracing.Persistence.Redis.RedisPersistence, ActorTracing.Persistence.Redis"]
            akka.persistence.journal.plugin = "akka.persistence.journal.redis"
            akka.persistence.journal.redis.configuration-string = "127.0.0.1:{{port}},connectTimeout=300,syncTimeout=1000,asyncTimeout=1000,connectRetry=1"
            """);
    }
}
