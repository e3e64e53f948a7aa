using Akka.Persistence;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// key-ttl and key-ttl-by-prefix: every key of a persistence id gets the TTL on each write (events or
/// snapshot), read back with Redis' own TTL command. Expiry itself is Redis' job; what is checked is
/// that the TTL is set, matches the prefix rule, and is pushed back by every write.
/// </summary>
public sealed class RedisKeyTtlSpec : RedisSpecBase
{
    private const string Ttls = """
        akka.persistence.journal.redis {
          key-ttl = 1h
          key-ttl-by-prefix { "trace-" = 2h, "trace-keep-" = 0s }
        }
        akka.persistence.snapshot-store.redis {
          key-ttl = 1h
          key-ttl-by-prefix { "trace-" = 2h, "trace-keep-" = 0s }
        }
        """;

    public RedisKeyTtlSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output, Ttls)
    {
    }

    [Fact]
    public void Writing_events_sets_the_default_ttl_on_the_events_and_highest_sequence_nr_keys()
    {
        var pid = NewPersistenceId("order-");
        WriteEvents(pid, 1, 2);

        AssertTtlNear(TimeSpan.FromHours(1), EventsKey(pid));
        AssertTtlNear(TimeSpan.FromHours(1), HighestKey(pid));
    }

    [Fact]
    public void A_persistence_id_prefix_rule_overrides_the_default_ttl()
    {
        var pid = NewPersistenceId("trace-");
        WriteEvents(pid, 1, 1);

        AssertTtlNear(TimeSpan.FromHours(2), EventsKey(pid));
        AssertTtlNear(TimeSpan.FromHours(2), HighestKey(pid));
    }

    [Fact]
    public void The_longest_matching_prefix_wins_and_zero_means_never_expire()
    {
        var pid = NewPersistenceId("trace-keep-");
        WriteEvents(pid, 1, 1);
        Save(pid, 1);

        Assert.True(Redis.Database.KeyExists(EventsKey(pid)));
        Assert.Null(Redis.Database.KeyTimeToLive(EventsKey(pid)));
        Assert.Null(Redis.Database.KeyTimeToLive(HighestKey(pid)));
        Assert.Null(Redis.Database.KeyTimeToLive(SnapshotsKey(pid)));
    }

    [Fact]
    public void A_write_under_a_zero_ttl_removes_an_expiry_the_keys_still_carry()
    {
        var pid = NewPersistenceId("trace-keep-");
        WriteEvents(pid, 1, 1);
        Save(pid, 1);

        // As if the keys were written while the TTL was still on.
        foreach (var key in AllKeys(pid))
        {
            Assert.True(Redis.Database.KeyExpire(key, TimeSpan.FromHours(1)));
        }

        WriteEvents(pid, 2, 2);

        Assert.All(AllKeys(pid), key => Assert.Null(Redis.Database.KeyTimeToLive(key)));
    }

    [Fact]
    public void Every_event_write_pushes_the_expiry_of_all_keys_back()
    {
        var pid = NewPersistenceId("trace-");
        WriteEvents(pid, 1, 1);
        Save(pid, 1);

        // Stand-in for time passing: shorten the TTLs as if 2h minus 10s had gone by.
        foreach (var key in AllKeys(pid))
        {
            Assert.True(Redis.Database.KeyExpire(key, TimeSpan.FromSeconds(10)));
        }

        WriteEvents(pid, 2, 2);

        foreach (var key in AllKeys(pid))
        {
            AssertTtlNear(TimeSpan.FromHours(2), key);
        }
    }

    [Fact]
    public void Saving_a_snapshot_sets_its_ttl_and_pushes_back_the_journal_keys_too()
    {
        var pid = NewPersistenceId("trace-");
        WriteEvents(pid, 1, 3);
        Redis.Database.KeyExpire(EventsKey(pid), TimeSpan.FromSeconds(10));
        Redis.Database.KeyExpire(HighestKey(pid), TimeSpan.FromSeconds(10));

        Save(pid, 3);

        AssertTtlNear(TimeSpan.FromHours(2), SnapshotsKey(pid));
        AssertTtlNear(TimeSpan.FromHours(2), EventsKey(pid));
        AssertTtlNear(TimeSpan.FromHours(2), HighestKey(pid));
    }

    [Fact]
    public void Once_redis_expires_the_keys_the_entity_recovers_from_nothing()
    {
        var pid = NewPersistenceId("trace-");
        WriteEvents(pid, 1, 3);
        Save(pid, 2);

        // PEXPIRE with 1ms then let the test's own reads observe the expiry, instead of waiting 2h.
        foreach (var key in AllKeys(pid))
        {
            Redis.Database.KeyExpire(key, TimeSpan.FromMilliseconds(1));
        }

        AwaitAssert(() => Assert.All(AllKeys(pid), key => Assert.False(Redis.Database.KeyExists(key))), TimeSpan.FromSeconds(5));
        var (replayed, highest) = Replay(pid, 1, long.MaxValue, long.MaxValue);
        Assert.Empty(replayed);
        Assert.Equal(0, highest);
        var probe = CreateTestProbe();
        SnapshotStore.Tell(new LoadSnapshot(pid, SnapshotSelectionCriteria.Latest, long.MaxValue), probe.Ref);
        Assert.Null(probe.ExpectMsg<LoadSnapshotResult>().Snapshot);
    }

    private RedisKey EventsKey(string pid) => $"{KeyPrefix}j:{{{pid}}}";

    private RedisKey HighestKey(string pid) => $"{KeyPrefix}j:{{{pid}}}:highest";

    private RedisKey SnapshotsKey(string pid) => $"{KeyPrefix}s:{{{pid}}}";

    private RedisKey[] AllKeys(string pid) => [EventsKey(pid), HighestKey(pid), SnapshotsKey(pid)];

    private void AssertTtlNear(TimeSpan expected, RedisKey key)
    {
        var ttl = Redis.Database.KeyTimeToLive(key);
        Assert.True(ttl.HasValue, $"{key} has no TTL");
        Assert.InRange(ttl.Value, expected - TimeSpan.FromMinutes(1), expected);
    }

    private void Save(string pid, long sequenceNr)
    {
        var probe = CreateTestProbe();
        SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(pid, sequenceNr, DateTime.UtcNow), $"s-{sequenceNr}"), probe.Ref);
        probe.ExpectMsg<SaveSnapshotSuccess>();
    }
}
