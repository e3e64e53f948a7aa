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
