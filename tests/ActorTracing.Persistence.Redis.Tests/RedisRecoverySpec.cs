using Akka.Actor;
using Akka.Configuration;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// End to end with a real PersistentActor: what one ActorSystem persisted, a new ActorSystem on the
/// same Redis recovers; and the shared connection lives and dies with its ActorSystem.
/// </summary>
public sealed class RedisRecoverySpec : RedisSpecBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public RedisRecoverySpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output)
    {
    }

    [Fact]
    public async Task A_persistent_actor_recovers_its_events_in_a_new_actor_system_after_the_first_terminated()
    {
        var config = SpecConfig(Redis, keyPrefix: $"recovery-{Guid.NewGuid():N}:");
        var pid = NewPersistenceId("counter-");

        var first = ActorSystem.Create("first", config);
        try
        {
            var counter = first.ActorOf(CounterActor.PropsFor(pid));
            foreach (var item in new[] { "a", "b", "c" })
            {
                await counter.Ask<CounterCommands.Added>(new CounterCommands.Add(item), Timeout);
            }
        }
        finally
        {
            await first.Terminate();
        }

        var second = ActorSystem.Create("second", config);
        try
        {
            var counter = second.ActorOf(CounterActor.PropsFor(pid));
            var recovered = await counter.Ask<CounterCommands.State>(CounterCommands.GetState.Instance, Timeout);
            Assert.Equal(["a", "b", "c"], recovered.Items);
            Assert.Equal(3, recovered.LastSequenceNr);
            Assert.Null(recovered.RecoveredFromSnapshotAt);

            var added = await counter.Ask<CounterCommands.Added>(new CounterCommands.Add("d"), Timeout);
            Assert.Equal(4, added.SequenceNr);
        }
        finally
        {
            await second.Terminate();
        }
    }

    [Fact]
    public async Task A_persistent_actor_recovers_from_its_snapshot_plus_the_later_events()
    {
        var config = SpecConfig(Redis, keyPrefix: $"recovery-{Guid.NewGuid():N}:");
        var pid = NewPersistenceId("counter-");

        var first = ActorSystem.Create("first", config);
        try
        {
            var counter = first.ActorOf(CounterActor.PropsFor(pid));
            await counter.Ask<CounterCommands.Added>(new CounterCommands.Add("a"), Timeout);
            await counter.Ask<CounterCommands.Added>(new CounterCommands.Add("b"), Timeout);
            var snapshot = await counter.Ask<CounterCommands.SnapshotTaken>(CounterCommands.TakeSnapshot.Instance, Timeout);
            Assert.Equal(2, snapshot.SequenceNr);
            await counter.Ask<CounterCommands.Added>(new CounterCommands.Add("c"), Timeout);
        }
        finally
        {
            await first.Terminate();
        }

        var second = ActorSystem.Create("second", config);
        try
        {
            var counter = second.ActorOf(CounterActor.PropsFor(pid));
            var recovered = await counter.Ask<CounterCommands.State>(CounterCommands.GetState.Instance, Timeout);
            Assert.Equal(["a", "b", "c"], recovered.Items);
            Assert.Equal(2, recovered.RecoveredFromSnapshotAt);
            Assert.Equal(3, recovered.LastSequenceNr);
        }
        finally
        {
            await second.Terminate();
        }
    }

    [Fact]
    public async Task Journal_and_snapshot_store_share_one_connection_that_closes_when_the_system_terminates()
    {
        var system = ActorSystem.Create("shared", SpecConfig(Redis));
        var extension = RedisPersistence.Instance.Apply(system);
        StackExchange.Redis.IConnectionMultiplexer connection;
        try
        {
            var counter = system.ActorOf(CounterActor.PropsFor(NewPersistenceId("counter-")));
            await counter.Ask<CounterCommands.Added>(new CounterCommands.Add("a"), Timeout);
            await counter.Ask<CounterCommands.SnapshotTaken>(CounterCommands.TakeSnapshot.Instance, Timeout);

            Assert.Equal(1, extension.ConnectionCount);
            connection = extension.GetConnection(Redis.ConfigurationString);
            Assert.True(connection.IsConnected);
        }
        finally
        {
            await system.Terminate();
        }

        AwaitAssert(() => Assert.False(connection.IsConnected), Timeout);
        Assert.Throws<ObjectDisposedException>(() => extension.GetConnection(Redis.ConfigurationString));
    }

    [Fact]
    public async Task A_config_that_names_only_the_plugin_class_and_connection_gets_every_other_default()
    {
        // No akka.extensions entry: the plugin itself loads reference.conf for the keys left out.
        var config = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.redis"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.redis"
            akka.persistence.journal.redis {
              class = "ActorTracing.Persistence.Redis.RedisJournal, ActorTracing.Persistence.Redis"
              configuration-string = "{{Redis.ConfigurationString}}"
            }
            akka.persistence.snapshot-store.redis {
              class = "ActorTracing.Persistence.Redis.RedisSnapshotStore, ActorTracing.Persistence.Redis"
              configuration-string = "{{Redis.ConfigurationString}}"
            }
            """);
        var pid = NewPersistenceId("defaults-");
        var system = ActorSystem.Create("defaults", config);
        try
        {
            var counter = system.ActorOf(CounterActor.PropsFor(pid));
            await counter.Ask<CounterCommands.Added>(new CounterCommands.Add("a"), Timeout);
        }
        finally
        {
            await system.Terminate();
        }

        // The default key-prefix from reference.conf was used.
        Assert.Equal(1, Redis.Database.SortedSetLength($"{RedisPersistenceSettings.DefaultKeyPrefix}j:{{{pid}}}"));
        await Redis.Database.KeyDeleteAsync([$"{RedisPersistenceSettings.DefaultKeyPrefix}j:{{{pid}}}", $"{RedisPersistenceSettings.DefaultKeyPrefix}j:{{{pid}}}:highest"]);
    }
}
