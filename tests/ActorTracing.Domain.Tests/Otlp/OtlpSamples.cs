using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain.Tests.Otlp;

/// <summary>Requests that exercise every OTLP trace field and every AnyValue kind.</summary>
internal static class OtlpSamples
{
    public static readonly TraceId TraceA = new(0x0102030405060708, 0x090A0B0C0D0E0F10);
    public static readonly TraceId TraceB = new(0xA1A2A3A4A5A6A7A8, 0xB1B2B3B4B5B6B7B8);

    public static KeyValuePair<string, AttributeValue> Attr(string key, AttributeValue value) => new(key, value);

    public static IReadOnlyList<KeyValuePair<string, AttributeValue>> EveryKind() =>
    [
        Attr("s", AttributeValue.FromString("héllo \"quoted\"")),
        Attr("b", AttributeValue.FromBool(true)),
        Attr("i", AttributeValue.FromInt(-42)),
        Attr("big", AttributeValue.FromInt(long.MaxValue)),
        Attr("d", AttributeValue.FromDouble(3.25)),
        Attr("whole", AttributeValue.FromDouble(2.0)),
        Attr("arr", new AttributeValue(AttributeKind.Array, "[\"a\",1,true,1.5,null,[2,3],{\"x\":\"y\"}]", 0, 0, false)),
        Attr("map", new AttributeValue(AttributeKind.KeyValueList, "{\"k\":\"v\",\"n\":7,\"nested\":{\"deep\":[false]}}", 0, 0, false)),
        Attr("bytes", new AttributeValue(AttributeKind.Bytes, Convert.ToBase64String([0, 1, 2, 254, 255]), 0, 0, false)),
        Attr("ключ", AttributeValue.FromString("значение")),
    ];

    public static SpanDetail FullSpan(TraceId traceId, ulong spanId, ulong parent, string name = "GET /api/orders") => new()
    {
        TraceId = traceId,
        SpanId = new SpanId(spanId),
        ParentSpanId = new SpanId(parent),
        TraceState = "vendor=abc,other=1",
        Flags = 0x301,
        Name = name,
        Kind = SpanKind.Server,
        StartUnixNano = 1_700_000_000_123_456_789,
        EndUnixNano = 1_700_000_000_223_456_789,
        Attributes = EveryKind(),
        DroppedAttributesCount = 3,
        Events =
        [
            new SpanEventDetail(1_700_000_000_150_000_000, "exception", [Attr("exception.type", AttributeValue.FromString("Boom")), Attr("n", AttributeValue.FromInt(1))], 1),
            new SpanEventDetail(1_700_000_000_160_000_000, "retry", []),
        ],
        DroppedEventsCount = 4,
        Links =
        [
            new SpanLinkDetail(TraceB, new SpanId(0x77), "k=v", [Attr("link.kind", AttributeValue.FromString("follows"))], 2, 0x101),
        ],
        DroppedLinksCount = 5,
        StatusCode = SpanStatusCode.Error,
        StatusMessage = "it broke",
    };

    public static SpanDetail MinimalSpan(TraceId traceId, ulong spanId, ulong parent = 0, string name = "op") => new()
    {
        TraceId = traceId,
        SpanId = new SpanId(spanId),
        ParentSpanId = new SpanId(parent),
        Name = name,
        Kind = SpanKind.Client,
        StartUnixNano = 1000 + spanId,
        EndUnixNano = 2000 + spanId,
    };

    public static ScopeDetail Scope(string name = "io.opentelemetry.http") =>
        new(name, "1.2.3", [Attr("scope.attr", AttributeValue.FromString("x"))], 6);

    public static IReadOnlyList<KeyValuePair<string, AttributeValue>> Resource(string service, string? region = null)
    {
        var list = new List<KeyValuePair<string, AttributeValue>>
        {
            Attr("service.name", AttributeValue.FromString(service)),
            Attr("host.name", AttributeValue.FromString("node-1")),
            Attr("process.pid", AttributeValue.FromInt(1234)),
        };
        if (region is not null)
        {
            list.Add(Attr("cloud.region", AttributeValue.FromString(region)));
        }
        return list;
    }

    /// <summary>Two resources, three scopes, two traces interleaved across them.</summary>
    public static IReadOnlyList<ResourceSpansDetail> Rich() =>
    [
        new ResourceSpansDetail(
            Resource("checkout", "eu-west-1"),
            [
                new ScopeSpansDetail(Scope(), [FullSpan(TraceA, 1, 0), MinimalSpan(TraceB, 2), MinimalSpan(TraceA, 3, 1, "GET /api/orders")], "https://opentelemetry.io/schemas/1.21.0"),
                new ScopeSpansDetail(Scope("db"), [MinimalSpan(TraceA, 4, 3, "SELECT")]),
            ],
            "https://opentelemetry.io/schemas/1.20.0"),
        new ResourceSpansDetail(
            Resource("payments"),
            [new ScopeSpansDetail(new ScopeDetail(string.Empty, string.Empty, []), [FullSpan(TraceB, 5, 2, "charge")])]),
    ];
}
