using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Storage.Tests;

/// <summary>Builds kept spans the way production gets them: OTLP bytes decoded by the ingest decoder.</summary>
internal static class TestSpans
{
    /// <summary>
    /// The start of the test spans: this second, because a fixed date would eventually fall
    /// behind the tables' TTL and ClickHouse drops expired rows as it writes them.
    /// </summary>
    public static readonly ulong BaseTimeNanos = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 1_000_000_000;

    public static SpanDetail Span(TraceId traceId, ulong spanId, int index) => new()
    {
        TraceId = traceId,
        SpanId = new SpanId(spanId),
        ParentSpanId = index == 0 ? default : new SpanId(spanId - (ulong)index),
        Name = index == 0 ? "GET /orders" : $"step-{index}",
        Kind = index == 0 ? SpanKind.Server : SpanKind.Internal,
        StartUnixNano = BaseTimeNanos + ((ulong)index * 1_000_000),
        EndUnixNano = BaseTimeNanos + ((ulong)index * 1_000_000) + 500_000,
        Attributes = [new("index", AttributeValue.FromInt(index))],
    };

    /// <summary>The same span with raw bytes no decoder takes (a length running past the end): the writer cannot encode it.</summary>
    public static StoredSpan Unencodable(StoredSpan stored)
    {
        var s = stored.Span;
        return stored with { Span = new BufferedSpan(s.TraceId, s.SpanId, s.ParentSpanId, s.StartUnixNano, s.EndUnixNano, s.Name, s.Kind, s.Status, s.Origin, new byte[] { 0x0a, 0x7f }) };
    }

    /// <summary><paramref name="traces"/> traces of <paramref name="spansPerTrace"/> spans, one list per trace.</summary>
    public static List<IReadOnlyList<StoredSpan>> Traces(int traces, int spansPerTrace, string region = "test-region")
        => Decode(Request(traces, spansPerTrace), region);

    /// <summary>
    /// The same traces, their spans slicing <paramref name="buffer"/>: a buffer rented from
    /// <paramref name="pool"/>, as a kept trace's bytes are (one share, the caller's).
    /// </summary>
    public static List<IReadOnlyList<StoredSpan>> PooledTraces(SharedBufferPool pool, int traces, int spansPerTrace, out SharedBuffer buffer)
    {
        var request = Request(traces, spansPerTrace);
        buffer = pool.Rent(request.Length);
        request.CopyTo(buffer.Writable);
        return Decode(buffer.Memory, "test-region");
    }

    private static List<IReadOnlyList<StoredSpan>> Decode(ReadOnlyMemory<byte> request, string region) =>
        OtlpTraceDecoder.Decode(request, region).Traces
            .Select(trace => (IReadOnlyList<StoredSpan>)trace.Spans.Select(s => new StoredSpan(s, "test/keep", 1)).ToList())
            .ToList();

    private static byte[] Request(int traces, int spansPerTrace)
    {
        var scopeSpans = new List<SpanDetail>(traces * spansPerTrace);
        for (var t = 0; t < traces; t++)
        {
            var traceId = new TraceId(0x1000 + (ulong)t, 0x2000 + (ulong)t);
            for (var s = 0; s < spansPerTrace; s++)
            {
                scopeSpans.Add(Span(traceId, ((ulong)t * 1000) + (ulong)s + 1, s));
            }
        }
        return OtlpEncoder.EncodeRequest(
        [
            new ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("checkout"))],
                [new ScopeSpansDetail(new ScopeDetail("test-scope", "1.0", []), scopeSpans)]),
        ]);
    }
}
