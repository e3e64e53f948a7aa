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

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(span.Raw, out var after));
        Assert.NotSame(body, after.Array);
        Assert.Equal(300, span.Raw.Length);
        Assert.All(span.Raw.ToArray(), b => Assert.Equal(0xAB, b));
        Assert.Equal(1, arena.ChunksInUse);
    }

    [Fact]
    public void A_kept_trace_keeps_its_bytes_after_release_while_the_arena_reuses_the_memory()
    {
        var arena = new SpanArena();
        var kept = new TraceBuffer(new TraceId(1, 1), arena);
        kept.Add([Span(new TraceId(1, 1), 1, 0x11), Span(new TraceId(1, 1), 2, 0x22)], T0);

        kept.ReleaseArena(keepBytes: true);
        // The chunk emptied and is reused from its start by the next trace.
        var next = new TraceBuffer(new TraceId(2, 2), arena);
        next.Add([Span(new TraceId(2, 2), 1, 0x99, 1_000)], T0);

        Assert.All(kept.Spans[0].Raw.ToArray(), b => Assert.Equal(0x11, b));
        Assert.All(kept.Spans[1].Raw.ToArray(), b => Assert.Equal(0x22, b));
        Assert.Equal(1, arena.ChunksInUse);
    }

    [Fact]
    public void Full_chunks_go_back_to_the_pool_once_every_trace_in_them_is_decided()
    {
        var arena = new SpanArena();
        var traces = new List<TraceBuffer>();
        // ~600 KB of spans: about ten chunks.
        for (ulong t = 1; t <= 200; t++)
        {
            var buffer = new TraceBuffer(new TraceId(7, t), arena);
            buffer.Add([Span(new TraceId(7, t), 1, 1, 1_500), Span(new TraceId(7, t), 2, 2, 1_500)], T0);
            traces.Add(buffer);
        }
        Assert.InRange(arena.ChunksInUse, 9, 11);

        foreach (var buffer in traces)
        {
            buffer.ReleaseArena(keepBytes: false);
        }

        // Only the chunk still being filled stays.
        Assert.Equal(1, arena.ChunksInUse);
    }

    [Fact]
    public void A_trace_whose_spans_span_two_chunks_releases_both()
    {
        var arena = new SpanArena();
        var filler = new TraceBuffer(new TraceId(3, 0), arena);
        filler.Add(Enumerable.Range(1, 8).Select(i => Span(new TraceId(3, 0), (ulong)i, 5, 7_500)).ToArray(), T0);
        var straddling = new TraceBuffer(new TraceId(3, 1), arena);
        straddling.Add([Span(new TraceId(3, 1), 1, 6, 4_000), Span(new TraceId(3, 1), 2, 6, 4_000)], T0);
        Assert.Equal(2, arena.ChunksInUse);

        filler.ReleaseArena(keepBytes: false);
        straddling.ReleaseArena(keepBytes: false);

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
        buffer.ReleaseArena(keepBytes: false);
        Assert.Equal(0, arena.ChunksInUse);
    }
}
