using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Correlation;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Tests.Otlp;
using ActorTracing.Domain.Wire;
using static ActorTracing.Domain.Tests.Otlp.OtlpSamples;

namespace ActorTracing.Domain.Tests.Completion;

/// <summary>
/// A trace buffer holds span bytes compacted (ids, name, kind and times left out, attribute keys
/// numbered) and must give back exactly what arrived: the OTLP bytes a kept span is stored from,
/// every attribute a rule asks for, every link correlation follows.
/// </summary>
public sealed class CompactSpanSpec
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(20_000);

    private static SpanDetail HttpSpan(ulong id, ulong parent, int status = 200) => new()
    {
        TraceId = TraceA,
        SpanId = new SpanId(id),
        ParentSpanId = new SpanId(parent),
        Name = "GET /api/orders/{id}",
        Kind = SpanKind.Server,
        StartUnixNano = 1_700_000_000_000_000_000 + id,
        EndUnixNano = 1_700_000_000_050_000_000 + id,
        Attributes =
        [
            Attr("http.request.method", AttributeValue.FromString("GET")),
            Attr("http.route", AttributeValue.FromString("/api/orders/{id}")),
            Attr("http.response.status_code", AttributeValue.FromInt(status)),
        ],
        StatusCode = status >= 500 ? SpanStatusCode.Error : SpanStatusCode.Unset,
    };

    private static BufferedSpan Decode(byte[] raw) => OtlpTraceDecoder.DecodeSpan(raw, SpanOrigin.Unknown);

    private static (TraceBuffer Buffer, SpanArena Arena) Buffered(TraceId traceId, params byte[][] raws)
    {
        var arena = new SpanArena();
        var buffer = new TraceBuffer(traceId, arena, new SpanSlots());
        buffer.Add(raws.Select(Decode).ToList(), Now);
        return (buffer, arena);
    }

    [Fact]
    public void Typical_spans_are_held_in_about_half_their_bytes_and_kept_ones_come_back_byte_for_byte()
    {
        // Encoded in field order without trace_state: the expansion writes the same order back.
        var raws = Enumerable.Range(1, 20).Select(i => OtlpEncoder.EncodeSpan(HttpSpan((ulong)i, i == 1 ? 0UL : 1UL))).ToArray();
        var (buffer, arena) = Buffered(TraceA, raws);

        Assert.True(buffer.Bytes < raws.Sum(r => r.Length) * 0.6, $"held {buffer.Bytes} of {raws.Sum(r => r.Length)} B");
        Assert.Equal(3, arena.Keys.Count);

        buffer.DetachBytes();
        buffer.Release();
        Assert.Equal(raws, buffer.Spans.Select(s => s.Raw.ToArray()));
    }

    [Fact]
    public void Every_field_of_a_span_using_all_of_OTLP_survives_the_round_trip()
    {
        // trace_state, flags, events, links, dropped counts, status, every attribute value kind.
        var full = OtlpEncoder.EncodeSpan(FullSpan(TraceA, 0x42, 0x41));
        var (buffer, _) = Buffered(TraceA, full);
        Assert.True(buffer.Spans[0].Size < full.Length);

        buffer.DetachBytes();
        buffer.Release();

        OtlpAssert.Span(OtlpSpanDecoder.DecodeSpan(full), OtlpSpanDecoder.DecodeSpan(buffer.Spans[0].Raw.Span));
    }

    [Fact]
    public void Attributes_are_found_by_key_in_the_compact_form_and_absent_keys_are_not()
    {
        var raws = new[] { OtlpEncoder.EncodeSpan(FullSpan(TraceA, 0x42, 0)), OtlpEncoder.EncodeSpan(HttpSpan(0x43, 0x42, 503)) };
        var (buffer, _) = Buffered(TraceA, raws);

        for (var i = 0; i < raws.Length; i++)
        {
            var original = Decode(raws[i]);
            var held = buffer.Spans[i];
            foreach (var key in OtlpSpanDecoder.DecodeSpan(raws[i]).Attributes.Select(a => a.Key).Append("absent").Append("exception.type").Append(string.Empty))
            {
                Assert.Equal(original.TryGetAttribute(key, out var expected), held.TryGetAttribute(key, out var actual));
                Assert.Equal(expected, actual);
            }
        }
    }

    [Fact]
    public void Links_are_read_in_place_for_correlation()
    {
        var (buffer, _) = Buffered(TraceA, OtlpEncoder.EncodeSpan(FullSpan(TraceA, 0x42, 0)));

        Assert.Equal(TraceB, CorrelationKeys.FirstLinkedTrace(buffer.Spans[0].Held, TraceA));
    }

    [Fact]
    public void Raw_of_a_span_still_in_the_buffer_expands_it()
    {
        var raw = OtlpEncoder.EncodeSpan(HttpSpan(7, 1));
        var (buffer, _) = Buffered(TraceA, raw);

        Assert.True(buffer.Spans[0].IsCompact);
        Assert.Equal(raw, buffer.Spans[0].Raw.ToArray());
        Assert.False(buffer.Spans[0].IsCompact);
    }

    public static TheoryData<string, byte[]> NotRebuiltExactly()
    {
        var ok = OtlpEncoder.EncodeSpan(HttpSpan(7, 1));
        var zeroParent = new ProtoWriter();
        zeroParent.WriteRaw(ok);
        zeroParent.WriteBytesField(4, new byte[8]);
        var badName = new ProtoWriter();
        badName.WriteRaw(ok);
        badName.WriteBytesField(5, [0x6F, 0xC3, 0x28]);
        var twice = new ProtoWriter();
        twice.WriteRaw(ok);
        twice.WriteFixed64Field(7, 1_700_000_000_000_000_007);
        var unknownKind = new ProtoWriter();
        unknownKind.WriteRaw(ok);
        unknownKind.WriteVarintField(6, 9);
        var keyIdField = new ProtoWriter();
        keyIdField.WriteRaw(ok);
        var kv = keyIdField.BeginMessage(9);
        keyIdField.WriteStringField(1, "k");
        keyIdField.WriteVarintField(15, 1);
        keyIdField.EndMessage(kv);
        return new()
        {
            { "all-zero parent", zeroParent.ToArray() },
            { "invalid UTF-8 name", badName.ToArray() },
            { "start time sent twice", twice.ToArray() },
            { "unknown kind", unknownKind.ToArray() },
            { "KeyValue carrying field 15", keyIdField.ToArray() },
        };
    }

    [Theory]
    [MemberData(nameof(NotRebuiltExactly))]
    public void A_span_the_slot_cannot_rebuild_exactly_is_held_verbatim(string why, byte[] raw)
    {
        var (buffer, _) = Buffered(TraceA, raw);

        Assert.False(buffer.Spans[0].IsCompact, why);
        Assert.Equal(raw.Length, buffer.Bytes);
        buffer.DetachBytes();
        Assert.Equal(raw, buffer.Spans[0].Raw.ToArray());
    }

    [Fact]
    public void Keys_beyond_the_table_stay_inline_and_odd_key_values_keep_their_key()
    {
        var keys = new SpanKeyTable(capacity: 2);
        var span = HttpSpan(7, 1) with
        {
            Attributes = [Attr("a", AttributeValue.FromInt(1)), Attr("b", AttributeValue.FromInt(2)), Attr("c", AttributeValue.FromInt(3))],
        };
        var raw = new ProtoWriter();
        raw.WriteRaw(OtlpEncoder.EncodeSpan(span));
        // Value before key: legal protobuf, kept as it is.
        var odd = raw.BeginMessage(9);
        raw.WriteBytesField(2, [0x18, 0x05]);
        raw.WriteStringField(1, "value-first");
        raw.EndMessage(odd);
        var bytes = raw.ToArray();
        var decoded = Decode(bytes);

        var scratch = new byte[bytes.Length];
        var length = CompactSpan.TryCompact(bytes, decoded, keys, scratch);
        Assert.InRange(length, 1, bytes.Length - 1);
        Assert.Equal(2, keys.Count);

        var compact = new BufferedSpan(decoded.TraceId, decoded.SpanId, decoded.ParentSpanId, decoded.StartUnixNano, decoded.EndUnixNano, decoded.Name, decoded.Kind, decoded.Status, decoded.Origin, scratch.AsMemory(0, length), keys);
        foreach (var key in new[] { "a", "b", "c", "value-first" })
        {
            Assert.True(compact.TryGetAttribute(key, out var value), key);
            Assert.True(decoded.TryGetAttribute(key, out var expected));
            Assert.Equal(expected, value);
        }
        Assert.Equal(bytes, compact.Raw.ToArray());
    }

    [Fact]
    public void Spans_without_real_OTLP_bytes_are_held_as_they_are()
    {
        var arena = new SpanArena();
        var buffer = new TraceBuffer(TestSpans.Trace, arena, new SpanSlots());
        buffer.Add([TestSpans.Span(1, size: 64)], Now);

        Assert.False(buffer.Spans[0].IsCompact);
        Assert.Equal(64, buffer.Bytes);
    }
}
