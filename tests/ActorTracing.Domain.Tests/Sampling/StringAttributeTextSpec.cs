using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;
using ActorTracing.Domain.Wire;
using static ActorTracing.Domain.Tests.Sampling.TestTraces;

namespace ActorTracing.Domain.Tests.Sampling;

/// <summary>String-attribute conditions read a plain string value as UTF-8 bytes in place (TraceEvaluation.TryGetSpanText).</summary>
public sealed class StringAttributeTextSpec
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    // 139 bytes: past the 32-byte limit under which looked-up values come from the string cache.
    private const string IphoneSafari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

    private static TraceSampler Probes() => new(Rules(
        DropAction.Instance,
        new SamplingRule("probes", new StringAttributeCondition("user_agent.original", ["ELB-HealthChecker/2.0"], ["^kube-probe/"]), KeepAction.All)));

    [Fact]
    public void A_long_value_is_matched_without_making_a_string_of_it_for_every_decision()
    {
        var sampler = Probes();

        long AllocatedPerDecision(string agent)
        {
            var trace = Trace(Span(1, attributes: [Str("user_agent.original", agent)]));
            sampler.Decide(trace, Now); // the evaluation's arrays and the value's memo entry
            sampler.Decide(trace, Now);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                sampler.Decide(trace, Now);
            }
            return (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        }

        // A short value comes from the string cache either way; the long one cost a string of
        // 2 x 139 bytes per decision before it was read in place.
        var shortValue = AllocatedPerDecision("curl/8.5.0");
        var longValue = AllocatedPerDecision(IphoneSafari);
        Assert.True(longValue - shortValue < IphoneSafari.Length, $"{longValue} B per decision with the long value, {shortValue} B with the short one");
    }

    [Fact]
    public void A_warm_decision_allocates_nothing_not_even_the_snapshot_the_shard_makes_for_it()
    {
        // The shard makes a snapshot per decision (~50k a second at 200k spans/s): a struct now.
        var sampler = Probes();
        var trace = Trace(Span(1, attributes: [Str("user_agent.original", IphoneSafari)]));
        sampler.Decide(new TraceSnapshot(trace.TraceId, trace.Spans, trace.CompletionReason), Now);
        sampler.Decide(new TraceSnapshot(trace.TraceId, trace.Spans, trace.CompletionReason), Now);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            sampler.Decide(new TraceSnapshot(trace.TraceId, trace.Spans, trace.CompletionReason), Now);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Values_and_patterns_decide_as_they_do_on_the_decoded_string()
    {
        var sampler = Probes();
        Assert.True(sampler.Decide(Trace(Span(1, attributes: [Str("user_agent.original", "kube-probe/1.30")])), Now).Keep);
        Assert.True(sampler.Decide(Trace(Span(1, attributes: [Str("user_agent.original", "ELB-HealthChecker/2.0")])), Now).Keep);
        Assert.False(sampler.Decide(Trace(Span(1, attributes: [Str("user_agent.original", IphoneSafari)])), Now).Keep);
        // Asked again: the answers come from the memo, and are the same.
        Assert.True(sampler.Decide(Trace(Span(1, attributes: [Str("user_agent.original", "kube-probe/1.30")])), Now).Keep);
        Assert.False(sampler.Decide(Trace(Span(1, attributes: [Str("user_agent.original", IphoneSafari)])), Now).Keep);
        // Not a string: rendered as text, as before (the value 200 is the text "200").
        Assert.True(KeepWhen(new StringAttributeCondition("code", ["200"], [])).Decide(Trace(Span(1, attributes: [Int("code", 200)])), Now).Keep);
    }

    [Fact]
    public void A_value_read_as_text_is_there_for_the_next_condition_and_read_from_the_span_once()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("text", new StringAttributeCondition("http.status_code", ["nope"], []), KeepAction.All),
            new SamplingRule("number", new NumericAttributeCondition("http.status_code", 500, null), KeepAction.All)));
        var trace = Trace(Span(1, attributes: [Str("http.status_code", "503")]));

        var before = TraceEvaluation.DecodesOnThisThread;
        var decision = sampler.Decide(trace, Now);

        Assert.Equal("rules/number", decision.Reason);
        Assert.Equal(1, TraceEvaluation.DecodesOnThisThread - before);
    }

    [Fact]
    public void Text_that_is_not_valid_UTF8_is_matched_as_the_decoder_reads_it()
    {
        // 'a', 'b', then a byte no UTF-8 sequence starts with: read as "ab\uFFFD".
        var writer = new ProtoWriter();
        writer.WriteBytesField(OtlpFields.SpanTraceId, [.. Enumerable.Range(1, 16).Select(i => (byte)i)]);
        writer.WriteBytesField(OtlpFields.SpanSpanId, [0, 0, 0, 0, 0, 0, 0, 1]);
        var keyValue = writer.BeginMessage(OtlpFields.SpanAttributes);
        writer.WriteStringField(OtlpFields.KeyValueKey, "tag");
        var value = writer.BeginMessage(OtlpFields.KeyValueValue);
        writer.WriteBytesField(OtlpFields.AnyString, [(byte)'a', (byte)'b', 0xFF]);
        writer.EndMessage(value);
        writer.EndMessage(keyValue);
        var span = new BufferedSpan(DefaultId, new SpanId(1), default, BaseNanos, BaseNanos, "op", SpanKind.Internal, SpanStatusCode.Unset, SpanOrigin.Unknown, writer.ToArray());

        Assert.True(Matches(new StringAttributeCondition("tag", ["ab\uFFFD"], []), Trace(span)));
        Assert.True(Matches(new StringAttributeCondition("tag", [], ["^ab\uFFFD$"]), Trace(span)));
    }
}
