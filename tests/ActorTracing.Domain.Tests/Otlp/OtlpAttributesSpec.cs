using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain.Tests.Otlp;

public sealed class OtlpAttributesSpec
{
    private static readonly byte[] Span = OtlpEncoder.EncodeSpan(OtlpSamples.FullSpan(OtlpSamples.TraceA, 1, 0));

    [Fact]
    public void Each_attribute_kind_is_found_by_key_in_an_encoded_span()
    {
        foreach (var (key, expected) in OtlpSamples.EveryKind())
        {
            Assert.True(OtlpAttributes.TryFindInSpan(Span, key, out var actual), key);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void A_missing_key_or_a_key_that_is_only_a_prefix_is_not_found()
    {
        Assert.False(OtlpAttributes.TryFindInSpan(Span, "missing", out var value));
        Assert.Equal(default(AttributeValue), value);
        Assert.False(OtlpAttributes.TryFindInSpan(Span, "bi", out _));
        Assert.False(OtlpAttributes.TryFindInSpan(Span, "bigger", out _));
        Assert.False(OtlpAttributes.TryFindInSpan(Span, "клю", out _));
    }

    [Fact]
    public void A_short_string_a_rule_looks_up_on_every_span_is_one_cached_string_not_a_new_one_each_time()
    {
        var first = OtlpEncoder.EncodeSpan(SpanWith("function_type", "edge-function", spanId: 1));
        var second = OtlpEncoder.EncodeSpan(SpanWith("function_type", "edge-function", spanId: 2));

        Assert.True(OtlpAttributes.TryFindInSpan(first, "function_type", out var a));
        Assert.True(OtlpAttributes.TryFindInSpan(second, "function_type", out var b));

        Assert.Equal("edge-function", a.Text);
        Assert.Same(a.Text, b.Text);
    }

    [Fact]
    public void A_long_string_value_is_decoded_as_is_not_cached()
    {
        var text = new string('q', OtlpAnyValue.CachedValueBytes + 1);
        var first = OtlpEncoder.EncodeSpan(SpanWith("db.query.text", text, spanId: 1));
        var second = OtlpEncoder.EncodeSpan(SpanWith("db.query.text", text, spanId: 2));

        Assert.True(OtlpAttributes.TryFindInSpan(first, "db.query.text", out var a));
        Assert.True(OtlpAttributes.TryFindInSpan(second, "db.query.text", out var b));

        Assert.Equal(text, a.Text);
        Assert.NotSame(a.Text, b.Text);
    }

    [Fact]
    public void Attribute_keys_of_a_full_decode_are_cached_strings()
    {
        var first = OtlpSpanDecoder.DecodeSpan(OtlpEncoder.EncodeSpan(SpanWith("http.route", "/a", spanId: 1)));
        var second = OtlpSpanDecoder.DecodeSpan(OtlpEncoder.EncodeSpan(SpanWith("http.route", "/b", spanId: 2)));

        Assert.Same(first.Attributes.Single(a => a.Key == "http.route").Key, second.Attributes.Single(a => a.Key == "http.route").Key);
    }

    private static SpanDetail SpanWith(string key, string value, ulong spanId) =>
        OtlpSamples.FullSpan(OtlpSamples.TraceA, spanId, 0) with { Attributes = [new(key, AttributeValue.FromString(value))] };

    [Fact]
    public void Event_and_link_attributes_are_not_span_attributes()
    {
        Assert.False(OtlpAttributes.TryFindInSpan(Span, "exception.type", out _));
        Assert.False(OtlpAttributes.TryFindInSpan(Span, "link.kind", out _));
    }

    [Fact]
    public void Resource_attributes_are_found_in_encoded_resources()
    {
        var resource = OtlpEncoder.EncodeResource(OtlpSamples.Resource("checkout", "eu-west-1"));

        Assert.True(OtlpAttributes.TryFindInResource(resource, "cloud.region", out var region));
        Assert.Equal("eu-west-1", region.AsString());
        Assert.True(OtlpAttributes.TryFindInResource(resource, "process.pid", out var pid));
        Assert.Equal(1234, pid.Int);
        Assert.False(OtlpAttributes.TryFindInResource(resource, "service.namespace", out _));
    }

    [Fact]
    public void Lookups_of_ascii_keys_do_not_allocate_beyond_the_found_value()
    {
        OtlpAttributes.TryFindInSpan(Span, "i", out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            OtlpAttributes.TryFindInSpan(Span, "i", out _);
            OtlpAttributes.TryFindInSpan(Span, "missing.key", out _);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
