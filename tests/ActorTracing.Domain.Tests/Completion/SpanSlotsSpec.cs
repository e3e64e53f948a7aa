using ActorTracing.Domain.Completion;

namespace ActorTracing.Domain.Tests.Completion;

/// <summary>
/// A shard's span slots grow for a burst and give the memory back once the load is lower
/// (<see cref="SpanSlots.Trim"/>), without moving the spans still buffered.
/// </summary>
public sealed class SpanSlotsSpec
{
    private const int PageSize = 256;
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static BufferedSpan[] Spans(TraceId trace, int count) =>
        Enumerable.Range(1, count).Select(i => new BufferedSpan(trace, new SpanId((ulong)i), default, 1_000, 2_000, "op",
            SpanKind.Server, SpanStatusCode.Unset, new SpanOrigin("svc", "iad", [], []), new byte[40])).ToArray();

    private static TraceBuffer Open(SpanSlots slots, SpanArena arena, ulong id, int spans)
    {
        var buffer = new TraceBuffer(new TraceId(3, id), arena, slots);
        buffer.Add(Spans(new TraceId(3, id), spans), T0);
        return buffer;
    }

    [Fact]
    public void After_a_burst_the_spans_still_buffered_settle_in_the_low_pages_and_the_rest_is_given_back()
    {
        var slots = new SpanSlots();
        var arena = new SpanArena(new ChunkPool());
        // A burst: 40 traces of 100 spans. The last one is a straggler that stays open for a while.
        var burst = Enumerable.Range(1, 40).Select(i => Open(slots, arena, (ulong)i, 100)).ToList();
        Assert.Equal(16 * PageSize, slots.Capacity);

        // The load drops: the burst's traces are decided oldest first, a trace of 100 spans at a
        // time comes in. The straggler is decided in the middle of it.
        foreach (var decided in burst.Take(39))
        {
            decided.Release();
        }
        TraceBuffer? current = null;
        for (ulong round = 100; round < 120; round++)
        {
            var next = Open(slots, arena, round, 100);
            current?.Release();
            current = next;
            if (round == 105)
            {
                Assert.Equal(16 * PageSize, slots.Capacity);
                Assert.Equal(0, slots.Trim()); // the interval had the burst in it: nothing given back yet
                burst[39].Release();
            }
        }

        var released = slots.Trim();

        // With one free list for all pages the new traces would have taken the slots freed last
        // (the burst's, spread over every page), and no page would ever empty.
        Assert.Equal(15, released);
        Assert.Equal(PageSize, slots.Capacity);
        Assert.Equal(100, slots.Count);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => new SpanId((ulong)i)), current!.Spans.Select(s => s.SpanId));
    }

    [Fact]
    public void A_trim_keeps_the_pages_the_interval_needed_at_its_peak()
    {
        var slots = new SpanSlots();
        var used = Enumerable.Range(0, 1000).Select(_ => slots.Allocate()).ToList();
        used.ForEach(slots.Free);

        Assert.Equal(0, slots.Trim()); // 1,000 slots were in use in this interval
        Assert.Equal(4 * PageSize, slots.Capacity);
        Assert.Equal(0, slots.PeakSinceTrim);

        Assert.Equal(4, slots.Trim()); // none in the next one
        Assert.Equal(0, slots.Capacity);

        var again = slots.Allocate();
        Assert.Equal(0, again);
        Assert.Equal(PageSize, slots.Capacity);
    }

    [Fact]
    public void A_page_given_back_between_used_ones_is_made_again_when_needed_and_the_others_keep_their_spans()
    {
        var slots = new SpanSlots();
        var indexes = Enumerable.Range(0, 3 * PageSize).Select(_ => slots.Allocate()).ToList();
        foreach (var i in indexes)
        {
            slots[i].SpanId = new SpanId((ulong)i + 1);
        }
        foreach (var i in indexes.Where(i => i / PageSize == 1))
        {
            slots.Free(i);
        }
        slots.Trim();

        Assert.Equal(1, slots.Trim());
        Assert.Equal(2 * PageSize, slots.Capacity);
        Assert.All(indexes.Where(i => i / PageSize != 1), i => Assert.Equal(new SpanId((ulong)i + 1), slots[i].SpanId));

        var reused = slots.Allocate();
        Assert.InRange(reused, PageSize, (2 * PageSize) - 1);
        Assert.Equal(3 * PageSize, slots.Capacity);
        Assert.Equal(default, slots[reused].SpanId);
    }
}
