using ActorTracing.Domain.Completion;

namespace ActorTracing.Domain.Tests.Completion;

/// <summary>A burst's worth given back is reported once; steady or growing load never.</summary>
public sealed class GiveBackWindowSpec
{
    private const long Threshold = 64L << 20;

    [Fact]
    public void A_burst_given_back_is_reported_once_and_steady_or_growing_load_never()
    {
        var burst = 2 * Threshold / SpanSlots.SlotBytes;
        var window = new GiveBackWindow(Threshold, 100_000, 0);

        Assert.Equal(0, window.Record(burst, 0)); // the burst: shards grow
        Assert.Equal(0, window.Record(burst + 5_000, 0));

        var givenBack = window.Record(60_000, 0); // it is over: about twice the threshold given back
        Assert.Equal(GiveBackWindow.GivenBack(burst + 5_000, 60_000, 0), givenBack);

        Assert.Equal(0, window.Record(0, 0)); // the last pages of a quiet node are not worth it
    }

    [Fact]
    public void A_give_back_spread_over_a_few_trim_intervals_adds_up_and_a_steady_trickle_does_not()
    {
        var window = new GiveBackWindow(Threshold, 0, 0);
        long trimmed = 0;

        // A steady load's trims: a few pooled arrays an interval, for a long time.
        for (var i = 0; i < 100; i++)
        {
            trimmed += Threshold / 4;
            Assert.Equal(0, window.Record(0, trimmed));
        }
        for (var i = 0; i < GiveBackWindow.Checks; i++)
        {
            Assert.Equal(0, window.Record(0, trimmed)); // the trickle's past leaves the window
        }

        // A burst's end over two intervals: slots first, then pooled arrays (each trim keeps its interval's peak).
        var slots = (Threshold / 2 / SpanSlots.SlotBytes) + 1;
        Assert.Equal(0, window.Record(slots, trimmed)); // grew
        Assert.Equal(0, window.Record(0, trimmed)); // half the threshold in slot pages
        trimmed += Threshold / 2;
        Assert.True(window.Record(0, trimmed) >= Threshold); // and the other half in pooled arrays, one interval later
        Assert.Equal(0, window.Record(0, trimmed)); // counted once
    }

    [Fact]
    public void A_backlog_decided_at_the_same_load_is_not_a_drop()
    {
        // Measured at 230k spans/s: ~2 s behind, the slots grew to 904k; once the backlog was
        // decided the shards trimmed to 518k and let go of the backlog's free chunks (82 MB in all).
        var window = new GiveBackWindow(Threshold, 470_000, 0);
        Assert.Equal(0, window.Record(904_000, 0));
        Assert.Equal(0, window.Record(904_000, 0));
        var chunksLetGo = 1_790L * SpanArena.ChunkBytes;
        Assert.Equal(0, window.Record(518_000, chunksLetGo));
        Assert.True(GiveBackWindow.GivenBack(904_000, 518_000, chunksLetGo) >= Threshold);

        // The load then drops for real: the same window's give-back counts.
        Assert.True(window.Record(120_000, chunksLetGo) > 0);
    }

    [Fact]
    public void Given_back_bytes_are_the_slots_dropped_and_the_pooled_bytes_let_go()
    {
        Assert.Equal((1000L * SpanSlots.SlotBytes) + 12_345, GiveBackWindow.GivenBack(5000, 4000, 12_345));
        Assert.Equal(0, GiveBackWindow.GivenBack(4000, 5000, 0));
        Assert.InRange(SpanSlots.SlotBytes, 64, 96);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GiveBackWindow(0, 0, 0));
    }
}
