using ActorTracing.Domain.Correlation;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Tests.Correlation;

public sealed class CorrelationSpec
{
    private static readonly TraceId A = new(0x10, 0x1);
    private static readonly TraceId B = new(0x20, 0x2);
    private static readonly CorrelationSettings Settings = new(true, "request.id", true, TimeSpan.FromSeconds(1));

    private static IReadOnlyList<BufferedSpan> Decode(TraceId trace, IReadOnlyList<KeyValuePair<string, AttributeValue>> spanAttributes, IReadOnlyList<KeyValuePair<string, AttributeValue>> resource, TraceId? link = null)
    {
        var span = new SpanDetail
        {
            TraceId = trace,
            SpanId = new SpanId(1),
            Name = "edge",
            Attributes = spanAttributes,
            Links = link is { } l ? [new SpanLinkDetail(l, new SpanId(7), string.Empty, [])] : [],
        };
        var request = OtlpEncoder.EncodeRequest([new ResourceSpansDetail(resource, [new ScopeSpansDetail(new ScopeDetail("s", "1", []), [span])])]);
        return OtlpTraceDecoder.Decode(request, "iad").Traces.Single().Spans;
    }

    [Fact]
    public void A_correlation_attribute_on_a_span_or_its_resource_names_the_group()
    {
        var onSpan = Decode(A, [new("request.id", AttributeValue.FromString("req-42"))], []);
        var onResource = Decode(B, [], [new("request.id", AttributeValue.FromString("req-42"))]);

        Assert.Equal("attr:req-42", CorrelationKeys.Find(A, onSpan, Settings));
        Assert.Equal("attr:req-42", CorrelationKeys.Find(B, onResource, Settings));
    }

    [Fact]
    public void Both_ends_of_a_span_link_compute_the_same_key_without_knowing_each_other()
    {
        var fromB = Decode(B, [], [], link: A);
        var fromA = Decode(A, [], [], link: B);

        Assert.Equal("link:" + A.ToHex(), CorrelationKeys.Find(B, fromB, Settings));
        Assert.Equal("link:" + A.ToHex(), CorrelationKeys.Find(A, fromA, Settings));
    }

    [Fact]
    public void No_key_when_disabled_or_nothing_joins_the_trace()
    {
        var spans = Decode(A, [new("request.id", AttributeValue.FromString("req-1"))], [], link: B);
        Assert.Null(CorrelationKeys.Find(A, spans, CorrelationSettings.Disabled));
        Assert.Null(CorrelationKeys.Find(A, Decode(A, [], []), Settings));
        Assert.Null(CorrelationKeys.Find(A, Decode(A, [], [], link: A), Settings)); // a link to itself joins nothing
        Assert.Null(CorrelationKeys.Find(B, Decode(B, [], [], link: A), Settings with { FollowLinks = false }));
    }

    [Fact]
    public void A_group_is_kept_when_any_member_is_and_with_its_strongest_reason()
    {
        var merged = GroupDecision.Merge([SamplingDecision.Dropped("probabilistic/api"), SamplingDecision.Kept("probabilistic/api", 10), SamplingDecision.Kept("rules/errors", 1)]);
        Assert.Equal(SamplingDecision.Kept("group/rules/errors", 1), merged);

        var dropped = GroupDecision.Merge([SamplingDecision.Dropped("probabilistic/static"), SamplingDecision.Dropped("drop/health-checks")]);
        Assert.Equal(SamplingDecision.Dropped("group/probabilistic/static"), dropped);
        Assert.Throws<ArgumentException>(() => GroupDecision.Merge([]));
    }
}
