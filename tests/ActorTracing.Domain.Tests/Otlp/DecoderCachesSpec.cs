using System.Text;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain.Tests.Otlp;

/// <summary>The decoder's caches in sets (CacheSets): Utf8StringCache and SpanOriginCache.</summary>
public sealed class DecoderCachesSpec
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
    public void A_full_set_drops_its_oldest_string_which_is_then_read_again_correctly()
    {
        var set = Enumerable.Range(0, 50_000)
            .Select(i => Encoding.UTF8.GetBytes($"db.query {i}"))
            .GroupBy(bytes => Utf8StringCache.SetOf(bytes))
            .First(s => s.Count() >= CacheSets.Ways + 1)
            .Take(CacheSets.Ways + 1)
            .ToArray();

        var first = set.Select(bytes => Utf8StringCache.Get(bytes)).ToArray();

        // The newest stay (three of them: another spec decoding meanwhile may take a way); the
        // oldest was pushed out, and reading it again decodes it afresh, still right.
        Assert.All(Enumerable.Range(set.Length - 3, 3), i => Assert.Same(first[i], Utf8StringCache.Get(set[i])));
        var oldest = Utf8StringCache.Get(set[0]);
        Assert.NotSame(first[0], oldest);
        Assert.Equal(Encoding.UTF8.GetString(set[0]), oldest);
    }

    [Fact]
    public void Origins_that_share_a_set_all_stay_cached()
    {
        var resources = Enumerable.Range(0, 50_000)
            .Select(i => Encoding.UTF8.GetBytes($"service.name=svc-{i}"))
            .GroupBy(bytes => SpanOriginCache.SlotOf(bytes, "", [], ""))
            .First(set => set.Count() >= 3)
            .Take(3)
            .ToArray();
        var slot = SpanOriginCache.SlotOf(resources[0], "", [], "");

        var stored = resources.Select(r => new SpanOrigin("svc", "iad", r, [])).ToArray();
        foreach (var origin in stored)
        {
            SpanOriginCache.Store(slot, origin, "iad");
        }

        Assert.All(stored, origin =>
        {
            Assert.True(SpanOriginCache.TryGet(slot, origin.Resource, "", [], "", "iad", out var found));
            Assert.Same(origin, found);
        });
        Assert.False(SpanOriginCache.TryGet(slot, resources[0], "", [], "", "fra", out _));
    }
}
