using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Tests.Otlp;

public sealed class OtlpEncoderSpec
{
    [Fact]
    public void Every_field_and_every_attribute_kind_survives_encode_then_full_decode()
    {
        var original = OtlpSamples.Rich();

        var decoded = OtlpSpanDecoder.DecodeRequest(OtlpEncoder.EncodeRequest(original));

        OtlpAssert.Equal(original, decoded);
    }

    [Fact]
    public void Reusable_writer_overload_produces_the_same_bytes_as_the_array_overload()
    {
        var writer = new ProtoWriter(16);
        OtlpEncoder.EncodeRequest([new ResourceSpansDetail(OtlpSamples.Resource("other"), [])], writer);

        var length = OtlpEncoder.EncodeRequest(OtlpSamples.Rich(), writer);

        Assert.Equal(OtlpEncoder.EncodeRequest(OtlpSamples.Rich()), writer.WrittenSpan.ToArray());
        Assert.Equal(length, writer.Length);
    }

    [Fact]
    public void Field_numbers_are_the_ones_of_the_OTLP_spec()
    {
        // Hand-assembled: ResourceSpans(1) > ScopeSpans(2) > Span(2) with trace_id(1), span_id(2),
        // name(5), kind(6), start(7, fixed64), end(8, fixed64), status(15) > code(3), flags(16, fixed32).
        var span = new SpanDetail
        {
            TraceId = new TraceId(0, 1),
            SpanId = new SpanId(2),
            Name = "n",
            Kind = SpanKind.Client,
            StartUnixNano = 5,
            EndUnixNano = 6,
            StatusCode = SpanStatusCode.Error,
            Flags = 1,
        };
        byte[] expectedSpan =
        [
            0x0A, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            0x12, 8, 0, 0, 0, 0, 0, 0, 0, 2,
            0x2A, 1, (byte)'n',
            0x30, 3,
            0x39, 5, 0, 0, 0, 0, 0, 0, 0,
            0x41, 6, 0, 0, 0, 0, 0, 0, 0,
            0x7A, 2, 0x18, 2,
            0x85, 0x01, 1, 0, 0, 0,
        ];

        Assert.Equal(expectedSpan, OtlpEncoder.EncodeSpan(span));
    }

    [Fact]
    public void A_full_success_response_is_empty()
    {
        Assert.Empty(OtlpEncoder.EncodeResponse(0, null));
        Assert.Empty(OtlpEncoder.EncodeResponse(0, string.Empty));
    }

    [Fact]
    public void A_partial_success_response_carries_the_rejected_count_and_message()
    {
        var bytes = OtlpEncoder.EncodeResponse(7, "7 spans rejected: bad ids");

        Assert.Equal(0x0A, bytes[0]);
        Assert.Equal((7L, "7 spans rejected: bad ids"), OtlpSpanDecoder.DecodeResponse(bytes));
    }

    [Fact]
    public void Resource_and_scope_encode_to_the_bytes_span_origins_hold()
    {
        var request = OtlpEncoder.EncodeRequest(OtlpSamples.Rich());
        var origin = OtlpTraceDecoder.Decode(request, "local").Traces[0].Spans[0].Origin;

        Assert.Equal(OtlpEncoder.EncodeResource(OtlpSamples.Resource("checkout", "eu-west-1")), origin.Resource);
        Assert.Equal(OtlpEncoder.EncodeScope(OtlpSamples.Scope()), origin.Scope);
    }
}
