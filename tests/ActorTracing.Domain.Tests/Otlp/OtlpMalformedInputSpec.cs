using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Tests.Otlp;

/// <summary>
/// Ingest faces arbitrary bytes from the network: every decoder must either succeed or throw
/// <see cref="ProtoFormatException"/> (which ingest maps to 400), never any other exception.
/// </summary>
public sealed class OtlpMalformedInputSpec
{
    [Fact]
    public void Every_truncation_of_a_valid_request_decodes_or_throws_ProtoFormatException()
    {
        var request = OtlpEncoder.EncodeRequest(OtlpSamples.Rich());
        var threw = 0;
        for (var length = 0; length < request.Length; length++)
        {
            threw += RunAllDecoders(request.AsMemory(0, length)) ? 0 : 1;
        }
        // A cut inside the outermost length-delimited field always runs past the end.
        Assert.True(threw > request.Length / 2, $"only {threw} of {request.Length} truncations were detected");
    }

    [Fact]
    public void A_span_that_storage_could_not_read_is_refused_at_ingest_not_after_it_was_kept()
    {
        // Events sent as a varint: the span's ids are fine, but no reader of the span's layout
        // (OtlpSpanFields) accepts it. The hot decoder used to read only the fields it needs and
        // accept such a span; kept, it then failed when storage decoded it.
        var valid = OtlpEncoder.EncodeSpan(OtlpSamples.MinimalSpan(OtlpSamples.TraceA, 1));
        var writer = new ProtoWriter();
        writer.WriteRaw(valid);
        writer.WriteVarintField(OtlpFields.SpanEvents, 1);
        var span = writer.ToArray();

        Assert.Throws<ProtoFormatException>(() => OtlpSpanDecoder.DecodeSpan(span));
        Assert.Throws<ProtoFormatException>(() => OtlpTraceDecoder.DecodeSpan(span, SpanOrigin.Unknown));
    }

    [Fact]
    public void Random_mutations_of_valid_requests_decode_or_throw_ProtoFormatException()
    {
        var random = new Random(20_240_611);
        var seeds = new[] { OtlpEncoder.EncodeRequest(OtlpSamples.Rich()), OtlpJsonTranscoder.ToProtobuf(OtlpEncoder.EncodeRequestJson(OtlpSamples.Rich())) };
        for (var iteration = 0; iteration < 3000; iteration++)
        {
            var bytes = (byte[])seeds[iteration % seeds.Length].Clone();
            var mutations = 1 + random.Next(4);
            for (var m = 0; m < mutations; m++)
            {
                switch (random.Next(4))
                {
                    case 0:
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                        break;
                    case 2:
                        bytes = bytes[..random.Next(bytes.Length)];
                        break;
                    default:
                        var at = random.Next(bytes.Length);
                        bytes = [.. bytes[..at], (byte)random.Next(256), .. bytes[at..]];
                        break;
                }
                if (bytes.Length == 0)
                {
                    break;
                }
            }
            RunAllDecoders(bytes);
        }
    }

    [Fact]
    public void Random_bytes_decode_or_throw_ProtoFormatException()
    {
        var random = new Random(7);
        for (var iteration = 0; iteration < 2000; iteration++)
        {
            var bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            RunAllDecoders(bytes);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x0A }, "truncated varint")]
    [InlineData(new byte[] { 0x0A, 0x05, 0x00 }, "runs past the end")]
    [InlineData(new byte[] { 0x00 }, "invalid field number 0")]
    [InlineData(new byte[] { 0x13 }, "unsupported wire type 3")]
    [InlineData(new byte[] { 0x08, 0x01 }, "expected 2")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "varint longer than 10 bytes")]
    [InlineData(new byte[] { 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00 }, "invalid field number")]
    public void Malformed_requests_throw_ProtoFormatException_saying_what_is_wrong(byte[] request, string expected)
    {
        var error = Assert.Throws<ProtoFormatException>(() => OtlpTraceDecoder.Decode(request, "local"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_span_with_a_wrongly_typed_known_field_throws_ProtoFormatException_naming_the_field()
    {
        var writer = new ProtoWriter();
        var rs = writer.BeginMessage(1);
        var ss = writer.BeginMessage(2);
        var span = writer.BeginMessage(2);
        writer.WriteVarintField(7, 5);
        writer.EndMessage(span);
        writer.EndMessage(ss);
        writer.EndMessage(rs);

        var error = Assert.Throws<ProtoFormatException>(() => OtlpTraceDecoder.Decode(writer.ToArray(), "local"));

        Assert.Contains("Span.start_time_unix_nano", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_array_values_throw_ProtoFormatException_instead_of_overflowing_the_stack()
    {
        // AnyValue{array_value{values{array_value{...}}}} 5000 levels deep, built inside out.
        var inner = Array.Empty<byte>();
        for (var i = 0; i < 5000; i++)
        {
            var writer = new ProtoWriter();
            var array = writer.BeginMessage(5);
            writer.WriteBytesField(1, inner);
            writer.EndMessage(array);
            inner = writer.ToArray();
        }

        Assert.Throws<ProtoFormatException>(() => OtlpAnyValue.ReadValue(inner));
    }

    /// <summary>Returns true when every decoder accepted the bytes.</summary>
    private static bool RunAllDecoders(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var result = OtlpTraceDecoder.Decode(bytes, "local");
            foreach (var trace in result.Traces)
            {
                foreach (var span in trace.Spans)
                {
                    OtlpSpanDecoder.DecodeSpan(span.Raw.Span);
                    OtlpSpanDecoder.DecodeResourceAttributes(span.Origin.Resource);
                    OtlpSpanDecoder.DecodeScope(span.Origin.Scope);
                    span.TryGetAttribute("arr", out _);
                    span.TryGetAttribute("missing", out _);
                }
            }
            OtlpSpanDecoder.DecodeRequest(bytes.Span);
            return true;
        }
        catch (ProtoFormatException)
        {
            return false;
        }
    }
}
