using ActorTracing.Domain.Completion;

namespace ActorTracing.Domain.Tests.Completion;

/// <summary>Span bytes copied out of request bodies into pooled chunks, and given back when the trace is decided.</summary>
public sealed class SpanArenaSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static BufferedSpan Span(TraceId trace, ulong id, byte fill, int size = 300)
    {
        var body = new byte[size + 50];
        Array.Fill(body, fill, 20, size);
        return new(trace, new SpanId(id), default, 1_000, 2_000, "op", SpanKind.Server, SpanStatusCode.Unset,
            new SpanOrigin("svc", "iad", [], []), new ReadOnlyMemory<byte>(body, 20, size));
    }

    [Fact]
    public void Buffered_spans_hold_a_copy_of_their_bytes_not_the_request_body()
    {
        var arena = new SpanArena();
        var span = Span(new TraceId(1, 1), 1, 0xAB);
        var body = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(span.Raw, out var before) ? before.Array : null;
        var buffer = new TraceBuffer(new TraceId(1, 1), arena);

        buffer.Add([span], T0);
        Array.Clear(body!);

        var buffered = Assert.Single(buffer.Spans);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(buffered.Raw, out var after));
        Assert.NotSame(body, after.Array);
        Assert.Equal(300, buffered.Raw.Length);
        Assert.All(buffered.Raw.ToArray(), b => Assert.Equal(0xAB, b));
        Assert.Equal(1, arena.ChunksInUse);
    }

    [Fact]
    public void A_kept_trace_keeps_its_bytes_after_release_while_the_arena_reuses_the_memory()
    {
        var arena = new SpanArena();
        var kept = new TraceBuffer(new TraceId(1, 1), arena);
        kept.Add([Span(new TraceId(1, 1), 1, 0x11), Span(new TraceId(1, 1), 2, 0x22)], T0);

        var spans = kept.Spans;
        kept.DetachBytes();
        kept.Release();
        // The chunk emptied and is reused from its start by the next trace.
        var next = new TraceBuffer(new TraceId(2, 2), arena);
        next.Add([Span(new TraceId(2, 2), 1, 0x99, 1_000)], T0);

        Assert.All(spans[0].Raw.ToArray(), b => Assert.Equal(0x11, b));
        Assert.All(spans[1].Raw.ToArray(), b => Assert.Equal(0x22, b));
        Assert.Equal(1, arena.ChunksInUse);
    }

    [Fact]
    public void A_kept_traces_bytes_are_detached_into_a_pooled_buffer_that_the_next_kept_trace_reuses_once_given_back()
    {
        // A pool of the test's own: other tests detach from the shared one meanwhile.
        var pool = new SharedBufferPool();
        var arena = new SpanArena();
        var first = new TraceBuffer(new TraceId(1, 1), arena);
        first.Add([Span(new TraceId(1, 1), 1, 0x11), Span(new TraceId(1, 1), 2, 0x22)], T0);
        var spans = first.Spans;

        var bytes = first.DetachBytes(pool)!;
        first.Release();
        Assert.Equal(1, bytes.Shares);
        // The spans slice the buffer, back to back, and read as they were sent.
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(spans[0].Raw, out var a));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(spans[1].Raw, out var b));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes.Memory, out var own));
        Assert.Same(own.Array, a.Array);
        Assert.Same(own.Array, b.Array);
        Assert.Equal(bytes.Length, spans[0].Raw.Length + spans[1].Raw.Length);
        Assert.All(spans[0].Raw.ToArray(), x => Assert.Equal(0x11, x));
        Assert.All(spans[1].Raw.ToArray(), x => Assert.Equal(0x22, x));

        // Storage gives it back once written; the next kept trace gets the same array.
        bytes.Release();
        var second = new TraceBuffer(new TraceId(2, 2), arena);
        second.Add([Span(new TraceId(2, 2), 1, 0x33)], T0);
        var next = second.DetachBytes(pool)!;
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(next.Memory, out var reused));
        Assert.Same(own.Array, reused.Array);
        Assert.All(second.Spans[0].Raw.ToArray(), x => Assert.Equal(0x33, x));
        next.Release();
    }

    [Fact]
    public void Full_chunks_go_back_to_the_pool_once_every_trace_in_them_is_decided()
    {
        var arena = new SpanArena();
        var traces = new List<TraceBuffer>();
        // Ten chunks' worth of spans.
        const int SpanBytes = SpanArena.ChunkBytes / 40;
        for (ulong t = 1; t <= 200; t++)
        {
            var buffer = new TraceBuffer(new TraceId(7, t), arena);
            buffer.Add([Span(new TraceId(7, t), 1, 1, SpanBytes), Span(new TraceId(7, t), 2, 2, SpanBytes)], T0);
            traces.Add(buffer);
        }
        Assert.InRange(arena.ChunksInUse, 10, 11);

        foreach (var buffer in traces)
        {
            buffer.Release();
        }

        // Only the chunk still being filled stays.
        Assert.Equal(1, arena.ChunksInUse);
    }

    [Fact]
    public void A_trace_whose_spans_span_two_chunks_releases_both()
    {
        var arena = new SpanArena();
        var filler = new TraceBuffer(new TraceId(3, 0), arena);
        // The filler leaves a sixteenth of the chunk; the second of two eighths no longer fits.
        const int Sixteenth = SpanArena.ChunkBytes / 16;
        filler.Add(Enumerable.Range(1, 15).Select(i => Span(new TraceId(3, 0), (ulong)i, 5, Sixteenth)).ToArray(), T0);
        var straddling = new TraceBuffer(new TraceId(3, 1), arena);
        straddling.Add([Span(new TraceId(3, 1), 1, 6, Sixteenth), Span(new TraceId(3, 1), 2, 6, Sixteenth)], T0);
        Assert.Equal(2, arena.ChunksInUse);

        filler.Release();
        straddling.Release();

        Assert.Equal(1, arena.ChunksInUse);
    }

    [Fact]
    public void A_span_too_big_for_a_chunk_gets_its_own_array_and_nothing_to_release()
    {
        var arena = new SpanArena();
        var buffer = new TraceBuffer(new TraceId(4, 4), arena);
        buffer.Add([Span(new TraceId(4, 4), 1, 7, SpanArena.ChunkBytes)], T0);

        Assert.Equal(0, arena.ChunksInUse);
        Assert.Equal(SpanArena.ChunkBytes, buffer.Spans[0].Raw.Length);
        buffer.Release();
        Assert.Equal(0, arena.ChunksInUse);
    }

    [Fact]
    public void Span_slots_are_reused_once_a_trace_is_released_and_keep_nothing_alive()
    {
        var slots = new SpanSlots();
        var arena = new SpanArena();
        for (ulong round = 1; round <= 20; round++)
        {
            var buffer = new TraceBuffer(new TraceId(8, round), arena, slots);
            buffer.Add(Enumerable.Range(1, 100).Select(i => Span(new TraceId(8, round), (ulong)i, 3, 100)).ToArray(), T0);
            Assert.Equal(100, slots.Count);
            Assert.Equal(100, buffer.Spans.Count);
            Assert.Equal(new SpanId(100), buffer.Spans[^1].SpanId);
            buffer.Release();
        }

        Assert.Equal(0, slots.Count);
        // 20 traces of 100 spans one after the other fit in the slots of one.
        Assert.Equal(256, slots.Capacity);
    }

    [Fact]
    public void Chunks_released_by_one_shard_are_reused_by_another_instead_of_allocated()
    {
        var pool = new ChunkPool();
        var first = new SpanArena(pool);
        const int SpanBytes = SpanArena.ChunkBytes / 40;
        var traces = Enumerable.Range(1, 200).Select(t =>
        {
            var buffer = new TraceBuffer(new TraceId(9, (ulong)t), first);
            buffer.Add([Span(new TraceId(9, (ulong)t), 1, 1, SpanBytes), Span(new TraceId(9, (ulong)t), 2, 2, SpanBytes)], T0);
            return buffer;
        }).ToList();
        var allocated = pool.Allocated;
        traces.ForEach(t => t.Release());

        var second = new SpanArena(pool);
        for (ulong t = 1; t <= 200; t++)
        {
            new TraceBuffer(new TraceId(10, t), second).Add([Span(new TraceId(10, t), 1, 3, SpanBytes), Span(new TraceId(10, t), 2, 4, SpanBytes)], T0);
        }

        Assert.InRange(allocated, 10, 11);
        Assert.Equal(allocated + 1, pool.Allocated);
    }

    [Fact]
    public void A_chunk_is_born_in_the_old_generation_so_young_collections_never_copy_it()
    {
        // A chunk lives as long as its traces: new GC memory would be copied out of gen0 and gen1.
        var chunk = new ChunkPool().Rent();

        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(chunk.Bytes));
        Assert.Equal(SpanArena.ChunkBytes, chunk.Bytes.Length);
    }

    [Fact]
    public void The_pool_keeps_at_most_its_bound_of_free_chunks()
    {
        var pool = new ChunkPool(maxFreeChunks: 2);
        var chunks = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToArray();
        foreach (var chunk in chunks)
        {
            pool.Return(chunk);
        }

        Assert.Equal(2, pool.FreeCount);
        Assert.Equal(5, pool.Allocated);
    }

    [Fact]
    public void Half_of_the_free_chunks_no_arena_needed_for_a_whole_trim_interval_are_let_go_once_per_interval()
    {
        var pool = new ChunkPool();
        var interval = TimeSpan.FromSeconds(10).Ticks;
        var burst = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();
        burst.ForEach(pool.Return);
        Assert.Equal(0, pool.TrimUnused(T0.UtcTicks, interval)); // the burst's interval needed them all

        // The next interval needs three at a time: seven free chunks were never touched.
        var some = Enumerable.Range(0, 3).Select(_ => pool.Rent()).ToList();
        some.ForEach(pool.Return);
        Assert.Equal(0, pool.TrimUnused(T0.UtcTicks + (interval / 2), interval)); // every shard asks; the first per interval trims
        Assert.Equal(4, pool.TrimUnused(T0.UtcTicks + interval, interval)); // half of seven, rounded up
        Assert.Equal(6, pool.FreeCount);
        Assert.Equal(4, pool.Trimmed);

        // The three just used (warm in the CPU's caches) are the next rented; the ones let go were
        // the burst's cold ones.
        var kept = Enumerable.Range(0, 3).Select(_ => pool.Rent()).ToList();
        Assert.Equal(10, pool.Allocated); // the kept ones are still reused
        Assert.All(kept, k => Assert.Contains(some, s => ReferenceEquals(s.Bytes, k.Bytes)));
        kept.ForEach(pool.Return);

        // Then the rest goes, half at a time: 2 of the 3 not rented just now, then idle intervals
        // 2 of 4, 1 of 2, the last one.
        Assert.Equal([2, 2, 1, 1], Enumerable.Range(2, 4).Select(i => pool.TrimUnused(T0.UtcTicks + (i * interval), interval)));
        Assert.Equal(0, pool.FreeCount);
    }
}
