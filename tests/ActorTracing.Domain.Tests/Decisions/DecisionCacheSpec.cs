using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Tests.Decisions;

public sealed class DecisionCacheSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly SamplingDecision Keep = SamplingDecision.Kept("rules/errors", 1);

    [Fact]
    public void A_remembered_decision_is_returned_until_it_is_too_old()
    {
        var cache = new DecisionCache(10, TimeSpan.FromMinutes(1));
        var id = new TraceId(1, 2);
        cache.Add(id, Keep, T0);
        Assert.True(cache.TryGet(id, T0 + TimeSpan.FromSeconds(59), out var d));
        Assert.Equal(Keep, d);
        Assert.False(cache.TryGet(id, T0 + TimeSpan.FromSeconds(61), out _));
        Assert.False(cache.TryGet(new TraceId(1, 3), T0, out _));
    }

    [Fact]
    public void The_oldest_decisions_are_evicted_beyond_capacity()
    {
        var cache = new DecisionCache(3, TimeSpan.FromMinutes(1));
        for (ulong i = 1; i <= 5; i++)
        {
            cache.Add(new TraceId(0, i), Keep, T0);
        }
        Assert.Equal(3, cache.Count);
        Assert.Equal(2, cache.Evicted);
        Assert.False(cache.TryGet(new TraceId(0, 1), T0, out _));
        Assert.True(cache.TryGet(new TraceId(0, 5), T0, out _));
    }

    [Fact]
    public void The_first_decision_for_a_trace_wins()
    {
        var cache = new DecisionCache(3, TimeSpan.FromMinutes(1));
        var id = new TraceId(1, 2);
        cache.Add(id, Keep, T0);
        cache.Add(id, SamplingDecision.Dropped("default"), T0);
        Assert.True(cache.TryGet(id, T0, out var d));
        Assert.True(d.Keep);
    }

    [Fact]
    public void A_repeated_decision_does_not_count_twice_towards_capacity()
    {
        var cache = new DecisionCache(2, TimeSpan.FromMinutes(1));
        var first = new TraceId(0, 1);
        cache.Add(first, Keep, T0);
        cache.Add(first, Keep, T0);
        cache.Add(new TraceId(0, 2), Keep, T0);

        Assert.Equal(2, cache.Count);
        Assert.Equal(0, cache.Evicted);
        Assert.True(cache.TryGet(first, T0, out _));
    }

    [Fact]
    public void Racing_deciders_leave_exactly_capacity_decisions_and_count_every_eviction()
    {
        const int Capacity = 1_000;
        const int PerThread = 20_000;
        const int Threads = 4;
        var cache = new DecisionCache(Capacity, TimeSpan.FromMinutes(1));

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                // Distinct traces only. A repeat right after its first add could find the trace
                // already evicted by the other threads (capacity 1,000), insert it again and evict
                // once more: correct, but it made the eviction count below depend on scheduling
                // (CI saw 79,001). Repeats are A_repeated_decision_does_not_count_twice_towards_capacity's.
                cache.Add(new TraceId((ulong)t + 1, (ulong)i), Keep, T0);
            }
        });

        var held = 0;
        for (var t = 0; t < Threads; t++)
        {
            for (var i = 0; i < PerThread; i++)
            {
                held += cache.TryGet(new TraceId((ulong)t + 1, (ulong)i), T0, out _) ? 1 : 0;
            }
        }
        Assert.Equal(Capacity, cache.Count);
        Assert.Equal(Capacity, held);
        Assert.Equal((Threads * PerThread) - Capacity, cache.Evicted);
    }

    [Fact]
    public void A_striped_cache_holds_exactly_its_capacity_and_evicts_the_oldest_per_stripe()
    {
        const int Capacity = 65_537;
        const int PerThread = 40_000;
        const int Threads = 4;
        var cache = new DecisionCache(Capacity, TimeSpan.FromMinutes(1), stripes: 100);
        var first = Enumerable.Range(0, 1_000).Select(i => new TraceId(77, (ulong)i)).ToArray();
        foreach (var id in first)
        {
            cache.Add(id, Keep, T0);
        }

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                cache.Add(new TraceId((ulong)t + 1, (ulong)i), Keep, T0 + TimeSpan.FromTicks(i));
            }
        });

        Assert.Equal(Capacity, cache.Count);
        Assert.Equal((Threads * PerThread) + first.Length - Capacity, cache.Evicted);
        // Each stripe drops its own oldest: a batch added last (well under one stripe's share)
        // survives whole, and the very first decisions are gone.
        var newest = Enumerable.Range(0, 1_000).Select(i => new TraceId(99, (ulong)i)).ToArray();
        foreach (var id in newest)
        {
            cache.Add(id, Keep, T0);
        }
        Assert.All(newest, id => Assert.True(cache.TryGet(id, T0, out _)));
        Assert.Equal(Capacity, cache.Count);
        // 160,000 later decisions spread over the stripes: every stripe evicted its share of the first.
        Assert.All(first, id => Assert.False(cache.TryGet(id, T0, out _)));
    }

    [Fact]
    public void Stripes_follow_the_cluster_shards_so_each_stripe_holds_one_shards_traces()
    {
        const int Shards = 10;
        var cache = new DecisionCache(Shards * 5, TimeSpan.FromMinutes(1), stripes: Shards);
        var ids = Enumerable.Range(1, 500).Select(i => new TraceId(5, (ulong)i)).ToArray();
        var shardZero = ids.Where(id => id.StableHash() % Shards == 0).ToArray();

        // Only shard 0's traces: its stripe (5 entries) evicts among them, the others stay empty.
        foreach (var id in shardZero)
        {
            cache.Add(id, Keep, T0);
        }

        Assert.Equal(5, cache.Count);
        Assert.All(shardZero[^5..], id => Assert.True(cache.TryGet(id, T0, out _)));
    }

    [Fact]
    public void A_remembered_decision_does_not_keep_its_object_alive_but_comes_back_equal()
    {
        // Every trace's decision is a new object; the cache keeps one per distinct decision, so
        // the rest die young instead of living in the cache (and the GC's old generation) for minutes.
        var cache = new DecisionCache(1000, TimeSpan.FromMinutes(5));
        var weak = RememberFreshDecisions(cache, 100);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.All(weak.Skip(1), w => Assert.False(w.TryGetTarget(out _)));
        for (ulong i = 0; i < 100; i++)
        {
            Assert.True(cache.TryGet(new TraceId(1, i), T0, out var decision));
            Assert.Equal(SamplingDecision.Kept("rules/errors", 1), decision);
        }
    }

    [Fact]
    public void Decisions_past_the_table_bound_are_still_remembered_each_as_given()
    {
        var cache = new DecisionCache(100_000, TimeSpan.FromMinutes(5));
        const int Distinct = (1 << 16) + 10;
        for (var i = 0; i < Distinct; i++)
        {
            cache.Add(new TraceId(2, (ulong)i), SamplingDecision.Dropped("drop/" + i), T0);
        }

        Assert.Equal(Distinct, cache.Count);
        Assert.True(cache.TryGet(new TraceId(2, 7), T0, out var early));
        Assert.Equal("drop/7", early.Reason);
        Assert.True(cache.TryGet(new TraceId(2, Distinct - 1), T0, out var late));
        Assert.Equal("drop/" + (Distinct - 1), late.Reason);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static List<WeakReference<SamplingDecision>> RememberFreshDecisions(DecisionCache cache, int count)
    {
        var weak = new List<WeakReference<SamplingDecision>>();
        for (ulong i = 0; i < (ulong)count; i++)
        {
            var decision = SamplingDecision.Kept("rules/errors", 1);
            cache.Add(new TraceId(1, i), decision, T0);
            weak.Add(new WeakReference<SamplingDecision>(decision));
        }
        return weak;
    }
}
