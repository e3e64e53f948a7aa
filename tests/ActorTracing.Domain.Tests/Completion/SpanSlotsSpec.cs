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
        // A burst: 40 traces of 100 spans.
        var burst = Enumerable.Range(1, 40).Select(i => Open(slots, arena, (ulong)i, 100)).ToList();
        Assert.Equal(16 * PageSize, slots.Capacity);
        Assert.Equal(0, slots.Trim()); // the interval had the burst in it: nothing given back

        // The load drops: the burst's traces are decided in no particular order, and a lower load
        // keeps ten traces of 100 spans open at a time.
        var open = new Queue<TraceBuffer>();
        ulong next = 100;
        void Churn()
        {
            open.Enqueue(Open(slots, arena, next++, 100));
            if (open.Count > 10)
            {
                open.Dequeue().Release();
            }
        }
        for (var i = 0; i < 40; i++)
        {
            burst[i * 7 % 40].Release();
            Churn();
        }
        Assert.Equal(0, slots.Trim()); // this interval still had most of the burst in it
        for (var i = 0; i < 20; i++)
        {
            Churn();
        }

        var released = slots.Trim();

        // 1,000 to 1,100 spans at a time need five pages. With one free list for all pages each new
        // trace took the slots freed last — the burst's, wherever its trace was — and the open
        // traces stayed spread over most of the burst's pages.
        Assert.Equal(11, released);
        Assert.Equal(5 * PageSize, slots.Capacity);
        Assert.Equal(1000, slots.Count);
        Assert.All(open, t => Assert.Equal(Enumerable.Range(1, 100).Select(i => new SpanId((ulong)i)), t.Spans.Select(s => s.SpanId)));
    }

    [Fact]
    public void A_trim_keeps_the_pages_the_interval_needed_at_its_peak()
    {
        var slots = new SpanSlots();
        var used = Enumerable.Range(0, 1000).Select(_ => slots.Allocate()).ToList();
        used.ForEach(slots.Free);

        Assert.Equal(0, slots.Trim()); // 1,000 slots were in use in this interval
        Assert.Equal(4 * PageSize, slots.Capacity);

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
