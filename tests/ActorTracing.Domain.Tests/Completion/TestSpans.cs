using ActorTracing.Domain;

namespace ActorTracing.Domain.Tests.Completion;

/// <summary>Spans with only the fields completion reads; the raw bytes are irrelevant to it.</summary>
internal static class TestSpans
{
    public static readonly TraceId Trace = new(0x0102030405060708, 0x1112131415161718);

    public static BufferedSpan Span(ulong id, ulong parent = 0, int size = 100, SpanStatusCode status = SpanStatusCode.Unset)
        => new(Trace, new SpanId(id), new SpanId(parent), 1_000, 2_000, "op", SpanKind.Server, status, SpanOrigin.Unknown, new byte[size]);
}
