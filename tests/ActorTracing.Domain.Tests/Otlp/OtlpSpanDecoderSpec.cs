using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Tests.Otlp;

public sealed class OtlpSpanDecoderSpec
{
    [Fact]
    public void Arrays_render_as_compact_json()
    {
        var value = DecodeValue(w =>
        {
            var array = w.BeginMessage(5);
            Item(w, 1, x => x.WriteStringField(1, "a"));
            Item(w, 1, x => x.WriteInt64Field(3, 1));
            Item(w, 1, x => x.WriteBoolField(2, true));
            Item(w, 1, x => x.WriteDoubleField(4, 2.0));
            Item(w, 1, _ => { });
            w.EndMessage(array);
        });

        Assert.Equal(AttributeKind.Array, value.Kind);
        Assert.Equal("[\"a\",1,true,2.0,null]", value.AsString());
    }

    [Fact]
    public void Key_value_lists_render_as_compact_json_objects_with_escaped_strings()
    {
        var value = DecodeValue(w =>
        {
            var list = w.BeginMessage(6);
            var kv = w.BeginMessage(1);
            w.WriteStringField(1, "k");
            var v = w.BeginMessage(2);
            w.WriteStringField(1, "v \"q\"\n\\");
            w.EndMessage(v);
            w.EndMessage(kv);
            w.EndMessage(list);
        });

        Assert.Equal(AttributeKind.KeyValueList, value.Kind);
        Assert.Equal("{\"k\":\"v \\\"q\\\"\\n\\\\\"}", value.AsString());
    }

    [Fact]
    public void Bytes_render_as_base64()
    {
        var value = DecodeValue(w => w.WriteBytesField(7, [1, 2, 3]));

        Assert.Equal(AttributeKind.Bytes, value.Kind);
        Assert.Equal("AQID", value.AsString());
    }

    [Fact]
    public void Negative_ints_and_non_finite_doubles_decode()
    {
        Assert.Equal(-5, DecodeValue(w => w.WriteInt64Field(3, -5)).Int);
        Assert.True(double.IsNaN(DecodeValue(w => w.WriteDoubleField(4, double.NaN)).Double));
        Assert.Equal(AttributeKind.Empty, DecodeValue(_ => { }).Kind);
    }

    [Fact]
    public void A_span_with_only_ids_decodes_with_empty_defaults()
    {
        var span = OtlpSpanDecoder.DecodeSpan(OtlpEncoder.EncodeSpan(OtlpSamples.MinimalSpan(OtlpSamples.TraceA, 8)));

        Assert.Equal(OtlpSamples.TraceA, span.TraceId);
        Assert.Equal(new SpanId(8), span.SpanId);
        Assert.True(span.ParentSpanId.IsEmpty);
        Assert.Empty(span.Attributes);
        Assert.Empty(span.Events);
        Assert.Empty(span.Links);
        Assert.Equal(SpanStatusCode.Unset, span.StatusCode);
        Assert.Equal(string.Empty, span.StatusMessage);
    }

    private static void Item(ProtoWriter writer, int field, Action<ProtoWriter> content)
    {
        var bookmark = writer.BeginMessage(field);
        content(writer);
        writer.EndMessage(bookmark);
    }

    private static AttributeValue DecodeValue(Action<ProtoWriter> anyValueContent)
    {
        var writer = new ProtoWriter();
        Item(writer, 9, kv =>
        {
            kv.WriteStringField(1, "key");
            Item(kv, 2, anyValueContent);
        });
        var attributes = OtlpSpanDecoder.DecodeSpan(writer.ToArray()).Attributes;
        var attribute = Assert.Single(attributes);
        Assert.Equal("key", attribute.Key);
        Assert.True(OtlpAttributes.TryFindInSpan(writer.ToArray(), "key", out var found));
        Assert.Equal(attribute.Value, found);
        return attribute.Value;
    }
}
