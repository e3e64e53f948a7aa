using Akka.Persistence;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>The plugins answer Akka.Persistence health checks with a PING to their Redis.</summary>
public sealed class RedisHealthCheckSpec : RedisSpecBase
{
    public RedisHealthCheckSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output)
    {
    }

    [Fact]
    public async Task Journal_and_snapshot_store_report_healthy_while_redis_answers()
    {
        var persistence = Akka.Persistence.Persistence.Instance.Apply(Sys);

        var journal = await persistence.CheckJournalHealthAsync(RedisPersistence.JournalConfigPath);
        var snapshots = await persistence.CheckSnapshotStoreHealthAsync(RedisPersistence.SnapshotStoreConfigPath);

        Assert.Equal(PersistenceHealthStatus.Healthy, journal.Status);
        Assert.Contains("Redis journal: PING", journal.Description, StringComparison.Ordinal);
        Assert.Equal(PersistenceHealthStatus.Healthy, snapshots.Status);
        Assert.Contains("Redis snapshot store: PING", snapshots.Description, StringComparison.Ordinal);
    }
}
