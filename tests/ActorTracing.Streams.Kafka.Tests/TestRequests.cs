using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>OTLP export requests with one span in a trace whose id carries the request's number, so tests can tell records apart after decoding.</summary>
internal static class TestRequests
{
    public static TraceId Trace(int n) => new(0x0102030405060708, (ulong)n + 1);

    public static byte[] Protobuf(int n) => OtlpEncoder.EncodeRequest(
    [
        new ResourceSpansDetail(
            [new("service.name", AttributeValue.FromString("checkout"))],
            [new ScopeSpansDetail(new ScopeDetail("test-scope", "1.0", []),
            [
                new SpanDetail
                {
                    TraceId = Trace(n),
                    SpanId = new SpanId(1),
                    ParentSpanId = new SpanId(0),
                    Name = "GET /" + n,
                    StartUnixNano = 1_700_000_000_000_000_000,
                    EndUnixNano = 1_700_000_000_010_000_000,
                },
            ])]),
    ]);

    /// <summary>A truncated length-delimited field: not decodable as protobuf.</summary>
    public static byte[] Malformed() => [0x0A, 0x7F, 0x01, 0x02];

    /// <summary>The request number of a decoded trace (inverse of <see cref="Trace"/>).</summary>
    public static int Number(TraceSpans trace) => (int)(trace.TraceId.Low - 1);
}
