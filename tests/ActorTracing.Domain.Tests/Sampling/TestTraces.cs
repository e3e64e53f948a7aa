using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Tests.Sampling;

/// <summary>Builds buffered spans the way ingest does: real OTLP bytes, decoded lazily by the sampler.</summary>
internal static class TestTraces
{
    public const ulong BaseNanos = 1_700_000_000_000_000_000UL;

    public static readonly TraceId DefaultId = new(0x0123456789ABCDEFUL, 0xFEDCBA9876543210UL);

    public static SpanOrigin Origin(string service, params (string Key, AttributeValue Value)[] resource)
    {
        var attributes = resource.Select(a => KeyValuePair.Create(a.Key, a.Value)).ToList();
        attributes.Insert(0, KeyValuePair.Create("service.name", AttributeValue.FromString(service)));
        return new SpanOrigin(service, "eu-west-1", OtlpEncoder.EncodeResource(attributes), []);
    }

    public static BufferedSpan Span(
        ulong spanId,
        ulong parent = 0,
        string name = "op",
        SpanKind kind = SpanKind.Internal,
        SpanStatusCode status = SpanStatusCode.Unset,
        TimeSpan start = default,
        TimeSpan duration = default,
        SpanOrigin? origin = null,
        TraceId? traceId = null,
        (string Key, AttributeValue Value)[]? attributes = null)
    {
        var id = traceId ?? DefaultId;
        var startNanos = BaseNanos + (ulong)(start.Ticks * 100);
        var endNanos = startNanos + (ulong)(duration.Ticks * 100);
        var detail = new SpanDetail
        {
            TraceId = id,
            SpanId = new SpanId(spanId),
            ParentSpanId = new SpanId(parent),
            Name = name,
            Kind = kind,
            StartUnixNano = startNanos,
            EndUnixNano = endNanos,
            StatusCode = status,
            Attributes = (attributes ?? []).Select(a => KeyValuePair.Create(a.Key, a.Value)).ToList(),
        };
        return new BufferedSpan(id, detail.SpanId, detail.ParentSpanId, startNanos, endNanos, name, kind, status, origin ?? SpanOrigin.Unknown, OtlpEncoder.EncodeSpan(detail));
    }

    public static TraceSnapshot Trace(params BufferedSpan[] spans) => new(DefaultId, spans, "got_root");

    public static TraceSnapshot Trace(TraceId id, params BufferedSpan[] spans) => new(id, spans, "got_root");

    /// <summary>A one-root-span trace under a random id, for the statistical specs.</summary>
    public static TraceSnapshot RootOnly(TraceId id, params (string Key, AttributeValue Value)[] attributes)
        => new(id, [Span(1, traceId: id, attributes: attributes)], "got_root");

    public static TraceId RandomId(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        TraceId.TryRead(bytes, out var id);
        return id;
    }

    public static (string, AttributeValue) Str(string key, string value) => (key, AttributeValue.FromString(value));

    public static (string, AttributeValue) Int(string key, long value) => (key, AttributeValue.FromInt(value));

    public static (string, AttributeValue) Bool(string key, bool value) => (key, AttributeValue.FromBool(value));

    public static SamplingRules Rules(SamplingAction defaultAction, params SamplingRule[] rules) => new(rules, defaultAction);

    /// <summary>A sampler whose only rule is "keep when <paramref name="condition"/>", else drop.</summary>
    public static TraceSampler KeepWhen(SamplingCondition condition)
        => new(Rules(DropAction.Instance, new SamplingRule("match", condition, KeepAction.All)));

    public static bool Matches(SamplingCondition condition, TraceSnapshot trace)
        => KeepWhen(condition).Decide(trace, DateTimeOffset.UnixEpoch).Keep;
}
