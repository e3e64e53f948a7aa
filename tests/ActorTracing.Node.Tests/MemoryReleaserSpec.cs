using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Node.Hosting;

namespace ActorTracing.Node.Tests;

/// <summary>
/// The node's glue: each check reads the shards' slots and the bytes the pinned pools let go and
/// collects once a burst's worth came back (the rule itself: GiveBackWindowSpec).
/// </summary>
public sealed class MemoryReleaserSpec
{
    [Fact]
    public void A_check_reads_slots_and_pooled_bytes_and_collects_with_what_was_given_back()
    {
        const long Threshold = 64L << 20;
        long slots = Threshold / SpanSlots.SlotBytes;
        long trimmed = 0;
        var collections = new List<long>();
        using var releaser = new MemoryReleaser(() => slots, () => trimmed, Threshold, collections.Add);

        slots /= 2;
        Assert.False(releaser.Check());
        slots = 0;
        trimmed = 10 * SpanArena.ChunkBytes;
        Assert.True(releaser.Check());

        Assert.Equal([GiveBackWindow.GivenBack(Threshold / SpanSlots.SlotBytes, 0, 10 * SpanArena.ChunkBytes)], collections);
    }

    [Fact]
    public void The_releaser_counts_what_every_pinned_pool_let_go_in_bytes()
    {
        // Request bodies let go by a request pool are pinned memory a full collection frees, as
        // the arena's chunks are.
        var chunks = new ChunkPool();
        var requests = new SharedBufferPool();
        var kept = new SharedBufferPool();
        requests.Rent(SharedBufferPool.MaxPooledBytes).Release();
        kept.Rent(1_000).Release();
        var interval = TimeSpan.FromSeconds(10).Ticks;
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

        // Let go at the first trim after a whole interval in which nobody rented them.
        foreach (var pool in new[] { requests, kept })
        {
            pool.TrimUnused(t0, interval);
            pool.TrimUnused(t0 + interval, interval);
        }

        Assert.Equal(SharedBufferPool.MaxPooledBytes + 4096, MemoryReleaser.PooledBytesTrimmed(chunks, requests, kept));
    }
}
