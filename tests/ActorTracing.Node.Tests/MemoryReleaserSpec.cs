using ActorTracing.Domain.Completion;
using ActorTracing.Node.Hosting;

namespace ActorTracing.Node.Tests;

/// <summary>
/// The node's glue: each check reads the shards' slots and the trimmed chunks and collects once a
/// burst's worth came back (the rule itself: GiveBackWindowSpec).
/// </summary>
public sealed class MemoryReleaserSpec
{
    [Fact]
    public void A_check_reads_slots_and_chunks_and_collects_with_what_was_given_back()
    {
        const long Threshold = 64L << 20;
        long slots = Threshold / SpanSlots.SlotBytes;
        long trimmed = 0;
        var collections = new List<long>();
        using var releaser = new MemoryReleaser(() => slots, () => trimmed, Threshold, collections.Add);

        slots /= 2;
        Assert.False(releaser.Check());
        slots = 0;
        trimmed = 10;
        Assert.True(releaser.Check());

        Assert.Equal([GiveBackWindow.GivenBack(Threshold / SpanSlots.SlotBytes, 0, 10)], collections);
    }
}
