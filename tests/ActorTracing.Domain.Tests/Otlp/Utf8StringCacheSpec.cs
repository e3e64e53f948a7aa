using System.Text;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain.Tests.Otlp;

public sealed class Utf8StringCacheSpec
{
    [Fact]
    public void Names_that_share_a_set_all_stay_cached()
    {
        // Hashes are seeded per process, so which names collide differs from run to run: found
        // here rather than written down. Direct-mapped, two hot names that collided replaced each
        // other on every span, and every span of theirs carried a fresh string (see CacheSets).
        // Three of a set, not four: another spec decoding meanwhile may put one string there too.
        var colliding = Enumerable.Range(0, 50_000)
            .Select(i => Encoding.UTF8.GetBytes($"GET /api/v{i}/orders/{{id}}"))
            .GroupBy(bytes => Utf8StringCache.SetOf(bytes))
            .First(set => set.Count() >= 3)
            .Take(3)
            .ToArray();

        var first = colliding.Select(bytes => Utf8StringCache.Get(bytes)).ToArray();
        var again = colliding.Select(bytes => Utf8StringCache.Get(bytes)).ToArray();

        Assert.Equal(colliding.Select(bytes => Encoding.UTF8.GetString(bytes)), first);
        Assert.All(first.Zip(again), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void A_string_evicted_from_its_set_is_read_again_correctly()
    {
        var set = Enumerable.Range(0, 50_000)
            .Select(i => Encoding.UTF8.GetBytes($"db.query {i}"))
            .GroupBy(bytes => Utf8StringCache.SetOf(bytes))
            .First(s => s.Count() >= CacheSets.Ways + 2)
            .ToArray();

        foreach (var bytes in set)
        {
            Assert.Equal(Encoding.UTF8.GetString(bytes), Utf8StringCache.Get(bytes));
        }
        // The first ones were pushed out by the later ones; read again, they are still right.
        Assert.All(set, bytes => Assert.Equal(Encoding.UTF8.GetString(bytes), Utf8StringCache.Get(bytes)));
    }
}
