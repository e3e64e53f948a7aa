using ActorTracing.Domain.Completion;
using ActorTracing.Node.Hosting;

namespace ActorTracing.Node.Tests;

/// <summary>One collection when a burst's buffers were given back, none while the load holds or grows.</summary>
public sealed class MemoryReleaserSpec
{
    private const long Threshold = 64L << 20;

    private long _slots;
    private long _chunksTrimmed;
    private int _collections;

    private MemoryReleaser Releaser() => new(() => _slots, () => _chunksTrimmed, Threshold, () => _collections++);

    [Fact]
    public void A_burst_given_back_is_collected_once_and_steady_or_growing_load_never()
    {
        var burst = 2 * Threshold / SpanSlots.SlotBytes;
        _slots = 100_000;
        var releaser = Releaser();

        _slots = burst; // the burst: shards grow
        Assert.False(releaser.Check());
        _slots = burst + 5_000;
        Assert.False(releaser.Check());

        _slots = 60_000; // it is over: about twice the threshold given back
        Assert.True(releaser.Check());
        Assert.Equal(1, _collections);

        _slots = 0; // the last pages of a quiet node are not worth a collection
        Assert.False(releaser.Check());
        Assert.Equal(1, _collections);
    }

    [Fact]
    public void A_give_back_spread_over_a_few_trim_intervals_adds_up_and_a_steady_trickle_does_not()
    {
        var releaser = Releaser();
        const long Chunks = Threshold / SpanArena.ChunkBytes;

        // A steady load's trims: a few chunks an interval, for a long time.
        for (var i = 0; i < 100; i++)
        {
            _chunksTrimmed += Chunks / 4;
            Assert.False(releaser.Check());
        }

        // A burst's end over two intervals: slots first, then chunks (each trim keeps its interval's peak).
        for (var i = 0; i < MemoryReleaser.WindowChecks; i++)
        {
            Assert.False(releaser.Check()); // the trickle's past leaves the window
        }
        _slots = (Threshold / 2 / SpanSlots.SlotBytes) + 1;
        Assert.False(releaser.Check()); // grew
        _slots = 0;
        Assert.False(releaser.Check()); // half the threshold in slot pages
        _chunksTrimmed += Chunks / 2;
        Assert.True(releaser.Check()); // and the other half in chunks, one interval later
        Assert.False(releaser.Check()); // counted once
    }

    [Fact]
    public void Given_back_bytes_are_the_slots_dropped_and_the_chunks_let_go()
    {
        Assert.Equal((1000L * SpanSlots.SlotBytes) + (3L * SpanArena.ChunkBytes), MemoryReleaser.GivenBack(5000, 4000, 3));
        Assert.Equal(0, MemoryReleaser.GivenBack(4000, 5000, 0));
        Assert.InRange(SpanSlots.SlotBytes, 64, 96);
    }
}
