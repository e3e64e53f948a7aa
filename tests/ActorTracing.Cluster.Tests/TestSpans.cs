using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Cluster.Tests;

/// <summary>Spans decoded from real OTLP bytes, as ingest produces them, so they can cross the wire.</summary>
internal static class TestSpans
{
    public static IReadOnlyList<BufferedSpan> Decode(TraceId trace, string region, params (ulong Id, ulong Parent, long StartOffsetMs)[] spans)
    {
        const ulong Base = 1_764_072_000_000_000_000;
        var details = spans.Select(s => new SpanDetail
        {
            TraceId = trace,
            SpanId = new SpanId(s.Id),
            ParentSpanId = new SpanId(s.Parent),
            Name = $"op-{s.Id}",
            Kind = SpanKind.Server,
            StartUnixNano = (ulong)((long)Base + (s.StartOffsetMs * 1_000_000)),
            EndUnixNano = (ulong)((long)Base + ((s.StartOffsetMs + 50) * 1_000_000)),
        }).ToList();
        var request = OtlpEncoder.EncodeRequest(
        [
            new ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("svc-" + region)), new("cloud.region", AttributeValue.FromString(region))],
                [new ScopeSpansDetail(new ScopeDetail("test", "1", []), details)]),
        ]);
        return OtlpTraceDecoder.Decode(request, region).Traces.Single().Spans;
    }
}
