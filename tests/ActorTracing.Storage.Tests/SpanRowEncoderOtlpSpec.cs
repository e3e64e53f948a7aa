using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// A kept span's row is written straight from its OTLP bytes (Modern schema). It must be byte for
/// byte the row the decoded span gives (<see cref="OtlpSpanDecoder.DecodeSpan"/>, then the
/// <see cref="SpanDetail"/> overload), which the read-back specs check against ClickHouse.
/// </summary>
public sealed class SpanRowEncoderOtlpSpec
{
    private static readonly TraceId Trace = new(0x0123456789abcdefUL, 0xfedcba9876543210UL);

    private static readonly ScopeDetail Scope = new("io.opentelemetry.aspnetcore", "1.9.0", [new("scope.attr", AttributeValue.FromString("x"))]);

    private static readonly IReadOnlyList<KeyValuePair<string, AttributeValue>> Resource =
    [
        new("service.name", AttributeValue.FromString("checkout")),
        new("cloud.region", AttributeValue.FromString("eu-west")),
        new("host.cpu", AttributeValue.FromInt(8)),
    ];

    /// <summary>The span as a receiver hands it on: decoded from a request, a slice of it, with its interned origin.</summary>
    private static BufferedSpan Received(SpanDetail span, IReadOnlyList<KeyValuePair<string, AttributeValue>>? resource = null, ScopeDetail? scope = null, string region = "local")
    {
        var request = OtlpEncoder.EncodeRequest([new ResourceSpansDetail(resource ?? Resource, [new ScopeSpansDetail(scope ?? Scope, [span])])]);
        return Assert.Single(Assert.Single(OtlpTraceDecoder.Decode(request, region).Traces).Spans);
    }

    /// <summary>A span with the same origin as <paramref name="like"/> and the given bytes.</summary>
    private static BufferedSpan WithBytes(BufferedSpan like, byte[] raw) =>
        new(like.TraceId, like.SpanId, like.ParentSpanId, like.StartUnixNano, like.EndUnixNano, like.Name, like.Kind, like.Status, like.Origin, raw);

    private static void AssertSameRowAsDecoded(BufferedSpan span, string reason = "rules/errors", uint rate = 1, string completion = "root_quiet")
    {
        var direct = new SpanRowEncoder();
        direct.Append(new StoredSpan(span, reason, rate), completion);

        var decoded = new SpanRowEncoder();
        decoded.Append(
            OtlpSpanDecoder.DecodeSpan(span.Raw.Span),
            OtlpSpanDecoder.DecodeResourceAttributes(span.Origin.Resource),
            OtlpSpanDecoder.DecodeScope(span.Origin.Scope),
            span.Origin.Region,
            reason,
            rate,
            completion);

        Assert.Equal(1, direct.Rows);
        Assert.Equal(decoded.Written.ToArray(), direct.Written.ToArray());
    }

    [Fact]
    public void Every_field_and_value_kind_gives_the_row_the_decoded_span_gives()
    {
        var span = Received(new SpanDetail
        {
            TraceId = Trace,
            SpanId = new SpanId(0x1122334455667788UL),
            ParentSpanId = new SpanId(0x0102030405060708UL),
            TraceState = "vendor=1",
            Name = "GET /orders/{id}",
            Kind = SpanKind.Client,
            StartUnixNano = 1_700_000_000_000_000_123,
            EndUnixNano = 1_700_000_000_045_000_123,
            Attributes =
            [
                new("http.route", AttributeValue.FromString("/orders/{id}")),
                new("http.status_code", AttributeValue.FromInt(-500)),
                new("retry", AttributeValue.FromBool(true)),
                new("cache", AttributeValue.FromBool(false)),
                new("ratio", AttributeValue.FromDouble(0.1)),
                new("huge", AttributeValue.FromDouble(1e300)),
                new("ünïcødé ключ", AttributeValue.FromString("значение ✓ 🚀")),
                new("empty", AttributeValue.FromString(string.Empty)),
                new("tags", new AttributeValue(AttributeKind.Array, "[\"a\",1]", 0, 0, false)),
                new("blob", new AttributeValue(AttributeKind.Bytes, Convert.ToBase64String([1, 2, 3]), 0, 0, false)),
            ],
            Events =
            [
                new SpanEventDetail(1_700_000_000_001_000_000, "exception", [new("exception.type", AttributeValue.FromString("Timeout")), new("attempt", AttributeValue.FromInt(3))]),
                new SpanEventDetail(0, string.Empty, []),
            ],
            Links =
            [
                new SpanLinkDetail(new TraceId(1, 2), new SpanId(3), "k=v", [new("link.kind", AttributeValue.FromString("follows"))]),
                new SpanLinkDetail(new TraceId(4, 5), new SpanId(6), string.Empty, [], 2, 1),
            ],
            StatusCode = SpanStatusCode.Error,
            StatusMessage = "upstream timed out",
        });

        AssertSameRowAsDecoded(span);
    }

    [Fact]
    public void A_minimal_span_and_one_without_a_service_name_give_the_row_the_decoded_span_gives()
    {
        AssertSameRowAsDecoded(Received(new SpanDetail { TraceId = Trace, SpanId = new SpanId(1), Name = string.Empty }, resource: [], scope: new ScopeDetail(string.Empty, string.Empty, [])));
        AssertSameRowAsDecoded(Received(new SpanDetail { TraceId = Trace, SpanId = new SpanId(1), Name = "x", StartUnixNano = 9, EndUnixNano = 3 }), reason: "probabilistic/api", rate: 10, completion: string.Empty);
    }

    [Fact]
    public void What_only_the_wire_can_say_gives_the_row_the_decoded_span_gives()
    {
        // Repeated single fields (the last wins), a second status, unknown fields, a key-value
        // without a value or with two values, ids of the wrong length, an array value, and text
        // that is not valid UTF-8 (read as U+FFFD): an SDK can send all of it.
        var like = Received(new SpanDetail { TraceId = Trace, SpanId = new SpanId(7), Name = "first" });
        var w = new ProtoWriter();
        w.WriteRaw(like.Raw.Span);
        w.WriteBytesField(OtlpFields.SpanName, [(byte)'o', 0xC3, 0x28, (byte)'k']);
        w.WriteBytesField(OtlpFields.SpanTraceState, [0xFF, (byte)'=', (byte)'1']);
        w.WriteVarintField(OtlpFields.SpanKind, 99);
        w.WriteVarintField(1000, 42);
        var status = w.BeginMessage(OtlpFields.SpanStatus);
        w.WriteVarintField(OtlpFields.StatusCode, 1);
        w.EndMessage(status);
        status = w.BeginMessage(OtlpFields.SpanStatus);
        w.WriteVarintField(OtlpFields.StatusCode, 7);
        w.WriteBytesField(OtlpFields.StatusMessage, [0xE2, 0x82]);
        w.EndMessage(status);
        var kv = w.BeginMessage(OtlpFields.SpanAttributes);
        w.WriteStringField(OtlpFields.KeyValueKey, "no.value");
        w.EndMessage(kv);
        kv = w.BeginMessage(OtlpFields.SpanAttributes);
        w.WriteBytesField(OtlpFields.KeyValueKey, [(byte)'k', 0x80]);
        var value = w.BeginMessage(OtlpFields.KeyValueValue);
        w.WriteInt64Field(OtlpFields.AnyInt, 5);
        w.WriteBytesField(OtlpFields.AnyString, [(byte)'v', 0xF0]);
        w.EndMessage(value);
        w.EndMessage(kv);
        kv = w.BeginMessage(OtlpFields.SpanAttributes);
        w.WriteStringField(OtlpFields.KeyValueKey, "string.then.double");
        value = w.BeginMessage(OtlpFields.KeyValueValue);
        w.WriteStringField(OtlpFields.AnyString, "ignored");
        w.WriteDoubleField(OtlpFields.AnyDouble, -0.0);
        w.EndMessage(value);
        w.EndMessage(kv);
        kv = w.BeginMessage(OtlpFields.SpanAttributes);
        w.WriteStringField(OtlpFields.KeyValueKey, "list");
        value = w.BeginMessage(OtlpFields.KeyValueValue);
        var array = w.BeginMessage(OtlpFields.AnyArray);
        var element = w.BeginMessage(1);
        w.WriteStringField(OtlpFields.AnyString, "a");
        w.EndMessage(element);
        w.EndMessage(array);
        w.EndMessage(value);
        w.EndMessage(kv);
        var link = w.BeginMessage(OtlpFields.SpanLinks);
        w.WriteBytesField(OtlpFields.LinkTraceId, [1, 2, 3]);
        w.WriteBytesField(OtlpFields.LinkSpanId, new byte[9]);
        w.EndMessage(link);
        var spanEvent = w.BeginMessage(OtlpFields.SpanEvents);
        w.WriteFixed64Field(OtlpFields.EventTime, 5);
        w.WriteFixed64Field(OtlpFields.EventTime, 6);
        w.WriteBytesField(OtlpFields.EventName, [0xC0]);
        w.EndMessage(spanEvent);

        AssertSameRowAsDecoded(WithBytes(like, w.ToArray()));
    }

    [Fact]
    public void The_benchmarks_traffic_gives_the_rows_the_decoded_spans_give()
    {
        var traces = RealisticTraffic.Generate(3_000, seeds: 2, TestSpans.BaseTimeNanos, 100_000);
        var spans = 0;
        foreach (var trace in traces)
        {
            foreach (var generated in trace.Scenario.AllSpans())
            {
                var resource = generated.Resource;
                AssertSameRowAsDecoded(Received(generated.Span, resource.Attributes, resource.Scope, resource.Region), trace.SamplingReason, trace.SampleRate);
                spans++;
            }
        }
        Assert.True(spans >= 3_000);
    }

    [Fact]
    public void A_malformed_span_throws_and_leaves_no_half_row_in_the_batch()
    {
        var good = Received(new SpanDetail { TraceId = Trace, SpanId = new SpanId(1), Name = "ok" });
        var encoder = new SpanRowEncoder();
        encoder.Append(new StoredSpan(good, "rules/errors", 1));
        var before = encoder.Written.ToArray();

        // Valid up to an event whose time has the wrong wire type: the row is half written when it throws.
        var w = new ProtoWriter();
        w.WriteRaw(good.Raw.Span);
        var spanEvent = w.BeginMessage(OtlpFields.SpanEvents);
        w.WriteVarintField(OtlpFields.EventTime, 5);
        w.EndMessage(spanEvent);

        Assert.Throws<ProtoFormatException>(() => encoder.Append(new StoredSpan(WithBytes(good, w.ToArray()), "rules/errors", 1)));
        Assert.Equal(1, encoder.Rows);
        Assert.Equal(before, encoder.Written.ToArray());

        encoder.Append(new StoredSpan(good, "rules/errors", 1));
        Assert.Equal(2, encoder.Rows);
        Assert.Equal([.. before, .. before], encoder.Written.ToArray());
    }
}
