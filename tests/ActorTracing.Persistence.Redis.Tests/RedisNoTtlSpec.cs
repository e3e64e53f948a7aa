using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>With the default key-ttl = 0s nothing the plugins write ever expires.</summary>
public sealed class RedisNoTtlSpec : RedisSpecBase
{
    public RedisNoTtlSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output)
    {
    }

    [Fact]
    public void With_key_ttl_off_the_keys_have_no_expiry()
    {
        var pid = NewPersistenceId("trace-");
        WriteEvents(pid, 1, 2);

        Assert.True(Redis.Database.KeyExists($"{KeyPrefix}j:{{{pid}}}"));
        Assert.Null(Redis.Database.KeyTimeToLive($"{KeyPrefix}j:{{{pid}}}"));
        Assert.Null(Redis.Database.KeyTimeToLive($"{KeyPrefix}j:{{{pid}}}:highest"));
    }
}
