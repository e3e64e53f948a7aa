using System.Runtime.InteropServices;
using ActorTracing.Domain;

namespace ActorTracing.Domain.Tests.Spans;

public sealed class SharedBufferSpec
{
    [Fact]
    public void A_pooled_array_is_born_old_so_no_young_collection_copies_it()
    {
        // The pinned object heap is collected with gen2 only; GC.GetGeneration reports 2 for it.
        var pooled = new SharedBufferPool().Rent(40_000);

        Assert.True(MemoryMarshal.TryGetArray(pooled.Memory, out var array));
        Assert.Equal(2, GC.GetGeneration(array.Array!));
    }

    [Fact]
    public void An_unpinned_pool_allocates_ordinary_young_arrays_that_count_against_no_large_heap_budget()
    {
        // A 40 KB array off the pinned heap is an ordinary gen0 object (the load generator's
        // pool: its gen0 budget is never filled in a run, while pinned arrays started its
        // background full collections).
        var pooled = new SharedBufferPool(pinned: false).Rent(40_000);

        Assert.True(MemoryMarshal.TryGetArray(pooled.Memory, out var array));
        // Young (a collection in between may have made it gen1, never gen2 as a pinned one is).
        Assert.True(GC.GetGeneration(array.Array!) < GC.MaxGeneration);
    }

    [Fact]
    public void The_array_goes_back_to_its_pool_with_the_last_share_not_before()
    {
        var pool = new SharedBufferPool();
        var body = pool.Rent(100);
        body.Retain();
        body.Retain();

        body.Release();
        body.Release();
        Assert.Equal(0, pool.FreeCount);
        Assert.Equal(100, body.Memory.Length);

        body.Release();
        Assert.Equal(0, body.Shares);
        Assert.Equal(1, pool.FreeCount);
    }

    [Fact]
    public void A_returned_array_is_reused_for_the_next_body_and_poisoned_in_between_when_asked()
    {
        var pool = new SharedBufferPool { PoisonReturned = true };
        var first = pool.Rent(1000);
        first.Writable.Span.Fill(0x11);
        var firstSpan = first.Memory; // what a span decoded from it would hold
        first.Release();

        Assert.All(firstSpan.ToArray(), b => Assert.Equal(0xFF, b));
        var second = pool.Rent(900);
        second.Writable.Span.Fill(0x22);
        Assert.All(firstSpan.ToArray()[..900], b => Assert.Equal(0x22, b)); // the same array again
    }

    [Fact]
    public void Giving_a_share_back_twice_or_taking_one_of_a_returned_buffer_is_an_error_not_a_second_return()
    {
        var pool = new SharedBufferPool();
        var body = pool.Rent(10);
        body.Release();

        Assert.Throws<InvalidOperationException>(body.Release);
        Assert.Throws<InvalidOperationException>(body.Retain);
        Assert.Throws<ObjectDisposedException>(() => body.Memory);
        Assert.Equal(1, pool.FreeCount);
    }

    [Fact]
    public void A_pool_keeps_at_most_its_number_of_free_arrays_of_a_size()
    {
        var pool = new SharedBufferPool(maxPerSize: 2);
        var buffers = Enumerable.Range(0, 3).Select(_ => pool.Rent(5_000)).ToArray();

        foreach (var buffer in buffers)
        {
            buffer.Release();
        }

        Assert.Equal(2, pool.FreeCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedBufferPool(maxPerSize: 0));
    }

    [Fact]
    public void Bodies_over_the_pooled_size_get_arrays_of_their_own_that_never_enter_the_pool()
    {
        var pool = new SharedBufferPool();
        var large = pool.Rent(SharedBufferPool.MaxPooledBytes + 1);
        Assert.Equal(SharedBufferPool.MaxPooledBytes + 1, large.Length);
        large.Release();

        Assert.Equal(0, pool.FreeCount);
    }

    [Fact]
    public void A_wave_of_hundreds_of_bodies_in_flight_is_served_again_from_the_pool()
    {
        // A node's shards fall behind for a moment (a GC pause, a busy core) and hundreds of
        // bodies wait for them, then come back at once. With 64 arrays a size the pool overflowed
        // and the next wave allocated afresh on the pinned heap, which starts background full
        // collections; its default keeps 16 MiB of each size (512 of these 32 KiB arrays).
        var pool = new SharedBufferPool();
        for (var wave = 0; wave < 3; wave++)
        {
            var bodies = Enumerable.Range(0, 300).Select(_ => pool.Rent(30_000)).ToList();
            bodies.ForEach(b => b.Release());
        }

        Assert.Equal(300, pool.Allocated);
        Assert.Equal(300, pool.FreeCount);
        Assert.Equal(512, SharedBufferPool.DefaultMaxFreeBytesPerSize / (32 * 1024));
    }

    [Fact]
    public void Half_of_the_arrays_nobody_rented_through_a_trim_interval_are_let_go_once_per_interval()
    {
        var pool = new SharedBufferPool();
        var interval = TimeSpan.FromSeconds(10).Ticks;
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var burst = Enumerable.Range(0, 10).Select(_ => pool.Rent(5_000)).ToList();
        burst.ForEach(b => b.Release());
        Assert.Equal(0, pool.TrimUnused(t0, interval)); // the burst's interval rented afresh: none unused

        // The next interval needs three at a time: seven were never rented, four of them go.
        var some = Enumerable.Range(0, 3).Select(_ => pool.Rent(5_000)).ToList();
        some.ForEach(b => b.Release());
        Assert.Equal(0, pool.TrimUnused(t0 + (interval / 2), interval)); // every shard asks; the first per interval trims
        Assert.Equal(4, pool.TrimUnused(t0 + interval, interval));
        Assert.Equal(6, pool.FreeCount);
        Assert.Equal(4, pool.Trimmed);

        // Idle intervals give back the rest, half at a time; a size never used is left alone.
        Assert.Equal([3, 2, 1, 0], Enumerable.Range(2, 4).Select(i => pool.TrimUnused(t0 + (i * interval), interval)));
        Assert.Equal(0, pool.FreeCount);
        Assert.Equal(10, pool.Allocated);
    }
}
