using ActorTracing.Domain;

namespace ActorTracing.Domain.Tests.Spans;

public sealed class UnusedTrimSpec
{
    [Theory]
    [InlineData(7, 10, 4)] // half of the unused, rounded up
    [InlineData(1, 1, 1)]  // so the last one goes too
    [InlineData(0, 5, 0)]  // everything was rented at some point: keep all
    [InlineData(9, 5, 3)]  // a stale low-water mark above what is free counts what is free
    [InlineData(-1, 5, 0)]
    public void Lets_go_of_half_of_what_went_unused(int lowWater, int free, int letGo) =>
        Assert.Equal(letGo, UnusedTrim.ToLetGo(lowWater, free));

    [Fact]
    public void One_caller_of_many_racing_for_an_interval_claims_its_trim()
    {
        long last = 0;
        var interval = TimeSpan.FromSeconds(10).Ticks;
        var now = TimeSpan.FromMinutes(1).Ticks;
        var claims = 0;

        Parallel.For(0, 64, _ =>
        {
            if (UnusedTrim.Claim(ref last, now, interval))
            {
                Interlocked.Increment(ref claims);
            }
        });

        Assert.Equal(1, claims);
        Assert.False(UnusedTrim.Claim(ref last, now + interval - 1, interval));
        Assert.True(UnusedTrim.Claim(ref last, now + interval, interval));
    }
}
