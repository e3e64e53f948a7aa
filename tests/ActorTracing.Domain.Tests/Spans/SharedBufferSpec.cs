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
}
