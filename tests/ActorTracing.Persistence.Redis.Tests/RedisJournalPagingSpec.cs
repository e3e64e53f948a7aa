using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>Replay crosses page boundaries (page-size = 3) without losing, repeating or reordering events.</summary>
public sealed class RedisJournalPagingSpec : RedisSpecBase
{
    public RedisJournalPagingSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output, "akka.persistence.journal.redis.page-size = 3")
    {
    }

    [Fact]
    public void Replaying_more_events_than_one_page_holds_returns_all_of_them_in_order()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 10);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), SequenceNrs(Replay(pid, 1, long.MaxValue, long.MaxValue).Replayed));
    }

    [Fact]
    public void Replay_bounds_and_max_hold_across_page_boundaries()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 10);

        Assert.Equal([2, 3, 4, 5, 6, 7, 8], SequenceNrs(Replay(pid, 2, long.MaxValue, 7).Replayed));
        Assert.Equal([4, 5, 6, 7], SequenceNrs(Replay(pid, 4, 7, long.MaxValue).Replayed));
        Assert.Equal([1, 2, 3], SequenceNrs(Replay(pid, 1, long.MaxValue, 3).Replayed));
    }

    [Fact]
    public void Replay_after_deleting_into_the_middle_of_a_page_starts_at_the_first_remaining_event()
    {
        var pid = NewPersistenceId();
        WriteEvents(pid, 1, 10);
        DeleteTo(pid, 5);

        Assert.Equal([6, 7, 8, 9, 10], SequenceNrs(Replay(pid, 1, long.MaxValue, long.MaxValue).Replayed));
    }
}
