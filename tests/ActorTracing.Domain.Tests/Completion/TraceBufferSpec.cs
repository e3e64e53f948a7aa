using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain.Tests.Completion;

public sealed class TraceBufferSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static BufferedSpan Span(ulong id, ulong parent, string region)
        => new(TestSpans.Trace, new SpanId(id), new SpanId(parent), 1_000, 2_000, "op", SpanKind.Server, SpanStatusCode.Unset,
            new SpanOrigin("svc", region, [], []), new byte[10]);

    [Theory]
    [InlineData(5)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(200)]
    public void Missing_parents_are_counted_alike_for_small_and_large_traces(int spans)
    {
        // Span i's parent is i - 1 (1 is the root); every third span names a parent that never arrives.
        var buffer = new TraceBuffer(TestSpans.Trace);
        var expected = 0;
        var list = new List<BufferedSpan>();
        for (ulong i = 1; i <= (ulong)spans; i++)
        {
            var missing = i > 1 && i % 3 == 0;
            expected += missing ? 1 : 0;
            list.Add(TestSpans.Span(i, parent: i == 1 ? 0 : missing ? 10_000 + i : i - 1));
        }
        buffer.Add(list, T0);

        Assert.Equal(expected, buffer.CountMissingParents());
    }

    [Fact]
    public void A_parent_arriving_later_is_found()
    {
        var buffer = new TraceBuffer(TestSpans.Trace);
        buffer.Add([TestSpans.Span(2, parent: 1), TestSpans.Span(3, parent: 2)], T0);
        Assert.Equal(1, buffer.CountMissingParents());

        buffer.Add([TestSpans.Span(1)], T0.AddSeconds(1));
        Assert.Equal(0, buffer.CountMissingParents());
    }

    [Fact]
    public void Region_arrivals_list_each_region_once_in_order_of_first_arrival()
    {
        var buffer = new TraceBuffer(TestSpans.Trace);
        Assert.Empty(buffer.RegionArrivals);

        buffer.Add([Span(1, 0, "iad"), Span(2, 1, "iad")], T0);
        Assert.Equal([new KeyValuePair<string, DateTimeOffset>("iad", T0)], buffer.RegionArrivals);

        buffer.Add([Span(3, 1, "fra"), Span(4, 1, "iad")], T0.AddSeconds(1));
        buffer.Add([Span(5, 1, "syd"), Span(6, 1, "fra")], T0.AddSeconds(2));
        Assert.Equal(
            [new("iad", T0), new("fra", T0.AddSeconds(1)), new KeyValuePair<string, DateTimeOffset>("syd", T0.AddSeconds(2))],
            buffer.RegionArrivals);
    }

    [Fact]
    public void A_new_buffers_second_region_is_held_without_allocating()
    {
        // Most cross-region traces have two regions; a list made for the second was a young
        // object behind a buffer that is often old by then (see TraceBuffer's region fields).
        var slots = new SpanSlots();
        var warm = new TraceBuffer(TestSpans.Trace, slots: slots);
        warm.Add([Span(1, 0, "iad"), Span(2, 1, "fra")], T0);
        warm.Release();
        var buffer = new TraceBuffer(TestSpans.Trace, slots: slots);
        buffer.Add([Span(1, 0, "iad")], T0);
        var second = new[] { Span(2, 1, "fra"), Span(3, 1, "iad"), Span(4, 2, "fra") };

        var before = GC.GetAllocatedBytesForCurrentThread();
        buffer.Add(second, T0.AddSeconds(1));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal([new("iad", T0), new KeyValuePair<string, DateTimeOffset>("fra", T0.AddSeconds(1))], buffer.RegionArrivals);
        buffer.Release();
        buffer.Reuse(TestSpans.Trace);
        Assert.Empty(buffer.RegionArrivals);
        buffer.Add([Span(1, 0, "syd")], T0);
        Assert.Equal([new KeyValuePair<string, DateTimeOffset>("syd", T0)], buffer.RegionArrivals);
    }

    [Fact]
    public void A_reused_buffer_takes_spans_of_several_regions_and_chunks_without_allocating()
    {
        // A pooled buffer is old: anything it allocates per trace is a young object an old one
        // points at, which every young GC must find through the card table (see TraceBuffer).
        var arena = new SpanArena(new ChunkPool());
        var buffer = new TraceBuffer(TestSpans.Trace, arena, new SpanSlots());
        // Real OTLP spans (they are compacted) of ~900 bytes: 36 to a 32 KiB chunk, so 80 take three.
        var regions = new[] { "iad", "fra", "syd" };
        var spans = Enumerable.Range(1, 80)
            .Select(i => OtlpTraceDecoder.DecodeSpan(
                OtlpEncoder.EncodeSpan(new SpanDetail
                {
                    TraceId = TestSpans.Trace,
                    SpanId = new SpanId((ulong)i),
                    ParentSpanId = new SpanId(i == 1 ? 0UL : 1UL),
                    Name = "GET /api/orders/{id}",
                    Kind = SpanKind.Server,
                    StartUnixNano = 1_000,
                    EndUnixNano = 2_000,
                    Attributes = [new("payload", AttributeValue.FromString(new string('x', 850)))],
                }),
                new SpanOrigin("svc", regions[i % 3], [], [])))
            .ToList();

        void Round()
        {
            buffer.Add(spans, T0);
            buffer.Release();
            buffer.Reuse(TestSpans.Trace);
        }

        Round();
        var before = GC.GetAllocatedBytesForCurrentThread();
        buffer.Add(spans, T0);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(3, buffer.RegionArrivals.Count);
        Assert.Equal(80, buffer.SpanCount);
        buffer.Release();
        // Every chunk's spans were released with their slots: none stays rented but the current one.
        Assert.Equal(1, arena.ChunksInUse);
        Round();
    }

    [Fact]
    public void A_buffer_does_not_hold_its_span_objects_its_shard_slots_hold_one_buffers_at_a_time()
    {
        // A pooled buffer is old: a young span list stored in it marked a card of the card
        // table per decided trace, each scanned by the next young GC (see TraceBuffer.Spans).
        var slots = new SpanSlots();
        var arena = new SpanArena();
        var a = new TraceBuffer(TestSpans.Trace, arena, slots);
        var b = new TraceBuffer(new TraceId(9, 9), arena, slots);
        a.Add([TestSpans.Span(1), TestSpans.Span(2, parent: 1)], T0);
        b.Add([TestSpans.Span(3)], T0);

        var aList = SpansOf(a);
        Assert.Single(b.Spans);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // b's list replaced a's in the slots, and a kept none of its own.
        Assert.False(aList.IsAlive);
        Assert.Equal([new SpanId(1), new SpanId(2)], a.Spans.Select(s => s.SpanId));
        GC.KeepAlive(a);

        // Until its spans change the same list is handed out (the decision rebases it in place).
        Assert.Same(a.Spans, a.Spans);
        var held = a.Spans;
        a.Add([TestSpans.Span(4, parent: 1)], T0.AddSeconds(1));
        Assert.NotSame(held, a.Spans);
        Assert.Equal(3, a.Spans.Count);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference SpansOf(TraceBuffer buffer)
    {
        var spans = buffer.Spans;
        Assert.Same(spans, buffer.Spans);
        return new WeakReference(spans);
    }

    [Fact]
    public void A_released_buffer_starts_over_for_another_trace_and_the_old_decision_keeps_its_spans()
    {
        var arena = new SpanArena();
        var buffer = new TraceBuffer(TestSpans.Trace, arena, new SpanSlots());
        buffer.Add([TestSpans.Span(1), TestSpans.Span(2, parent: 1)], DateTimeOffset.UnixEpoch.AddSeconds(5));
        Assert.Throws<InvalidOperationException>(() => buffer.Reuse(new TraceId(9, 9)));

        var decided = buffer.Spans;
        buffer.DetachBytes();
        buffer.Release();
        buffer.Reuse(new TraceId(9, 9));

        Assert.Equal(new TraceId(9, 9), buffer.TraceId);
        Assert.Equal(0, buffer.SpanCount);
        Assert.Equal(0, buffer.Bytes);
        Assert.False(buffer.RootSeen);
        Assert.Empty(buffer.RegionArrivals);
        Assert.Empty(buffer.Spans);
        Assert.Equal(2, decided.Count);

        buffer.Add([TestSpans.Span(7)], DateTimeOffset.UnixEpoch.AddSeconds(9));
        Assert.Equal(7UL, Assert.Single(buffer.Spans).SpanId.Value);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(9), buffer.FirstArrival);
        // The emptied current chunk was started over, not returned and rented again.
        Assert.Equal(1, arena.ChunksInUse);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(300)]
    public void A_span_the_trace_already_holds_is_not_buffered_again_for_small_and_large_traces(int spans)
    {
        var buffer = new TraceBuffer(TestSpans.Trace);
        var first = Enumerable.Range(1, spans).Select(i => TestSpans.Span((ulong)i, parent: i == 1 ? 0UL : 1UL)).ToList();
        Assert.Equal(0, buffer.Add(first, T0));
        var bytes = buffer.Bytes;

        // A client retries the whole request, plus one new span; and one span comes twice within a request.
        var retried = first.Append(TestSpans.Span((ulong)spans + 1, parent: 1)).Append(TestSpans.Span((ulong)spans + 1, parent: 1)).ToList();
        Assert.Equal(spans + 1, buffer.Add(retried, T0.AddSeconds(1)));

        Assert.Equal(spans + 1, buffer.SpanCount);
        Assert.Equal(spans + 1, buffer.Spans.Select(s => s.SpanId).Distinct().Count());
        Assert.True(buffer.Bytes > bytes);
    }

    [Fact]
    public void Spans_without_an_id_are_never_taken_for_copies_and_a_reused_buffer_forgets_the_last_traces_ids()
    {
        var buffer = new TraceBuffer(TestSpans.Trace);
        Assert.Equal(0, buffer.Add([TestSpans.Span(0), TestSpans.Span(0)], T0));
        Assert.Equal(2, buffer.SpanCount);

        var large = Enumerable.Range(1, 100).Select(i => TestSpans.Span((ulong)i, parent: 1)).ToList();
        buffer.Add(large, T0);
        buffer.Release();
        buffer.Reuse(new TraceId(9, 9));
        Assert.Equal(0, buffer.Add(large, T0));
        Assert.Equal(100, buffer.SpanCount);
    }
}
