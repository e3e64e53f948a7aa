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
        _slots = 100_000;
        var releaser = Releaser();

        _slots = 900_000; // the burst: shards grow
        Assert.False(releaser.Check());
        _slots = 905_000;
        Assert.False(releaser.Check());

        _slots = 60_000; // it is over: ~845k slots given back
        Assert.True(releaser.Check());
        Assert.Equal(1, _collections);

        _slots = 0; // the last pages of a quiet node are not worth a collection
        Assert.False(releaser.Check());
        Assert.Equal(1, _collections);
    }

    [Fact]
    public void Arena_chunks_let_go_count_with_the_slot_pages()
    {
        var releaser = Releaser();
        _chunksTrimmed = (Threshold / SpanArena.ChunkBytes) - 1;
        Assert.False(releaser.Check());

        _chunksTrimmed += (Threshold / SpanArena.ChunkBytes) - 1;
        _slots = 0;
        Assert.False(releaser.Check()); // counted per check, not summed over checks

        _chunksTrimmed += Threshold / SpanArena.ChunkBytes;
        Assert.True(releaser.Check());
    }

    [Fact]
    public void Given_back_bytes_are_the_slots_dropped_and_the_chunks_let_go()
    {
        Assert.Equal((1000L * SpanSlots.SlotBytes) + (3L * SpanArena.ChunkBytes), MemoryReleaser.GivenBack(5000, 4000, 3));
        Assert.Equal(0, MemoryReleaser.GivenBack(4000, 5000, 0));
        Assert.InRange(SpanSlots.SlotBytes, 64, 96);
    }
}
