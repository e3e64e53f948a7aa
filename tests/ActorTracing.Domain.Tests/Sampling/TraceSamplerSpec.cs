using ActorTracing.Domain.Sampling;
using static ActorTracing.Domain.Tests.Sampling.TestTraces;

namespace ActorTracing.Domain.Tests.Sampling;

public sealed class TraceSamplerSpec
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_matching_rule_decides()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("errors", StatusCodeCondition.Error, KeepAction.All),
            new SamplingRule("everything", AlwaysCondition.Instance, DropAction.Instance)));

        var decision = sampler.Decide(Trace(Span(1, status: SpanStatusCode.Error)), Now);
        Assert.Equal(new SamplingDecision(true, "rules/errors", 1), decision);
        Assert.Equal(new SamplingDecision(false, "drop/everything", 0), sampler.Decide(Trace(Span(1)), Now));
    }

    [Fact]
    public void An_explicit_drop_rule_wins_over_later_keeps()
    {
        var sampler = new TraceSampler(Rules(
            KeepAction.All,
            new SamplingRule("health-checks", new StringAttributeCondition(VirtualFields.Name, ["GET /health"], []), DropAction.Instance),
            new SamplingRule("all", AlwaysCondition.Instance, KeepAction.All)));

        Assert.Equal(new SamplingDecision(false, "drop/health-checks", 0), sampler.Decide(Trace(Span(1, name: "GET /health")), Now));
    }

    [Fact]
    public void The_default_applies_when_nothing_matches()
    {
        var keepAll = new TraceSampler(Rules(KeepAction.All, new SamplingRule("errors", StatusCodeCondition.Error, DropAction.Instance)));
        var dropAll = new TraceSampler(Rules(DropAction.Instance));

        Assert.Equal(new SamplingDecision(true, "default", 1), keepAll.Decide(Trace(Span(1)), Now));
        Assert.Equal(new SamplingDecision(false, "drop/default", 0), dropAll.Decide(Trace(Span(1)), Now));
        Assert.Equal(new SamplingDecision(true, "default", 1), new TraceSampler(SamplingRules.KeepAll).Decide(Trace(), Now));
    }

    [Fact]
    public void A_probabilistic_default_reports_its_rate_when_kept()
    {
        var sampler = new TraceSampler(Rules(new KeepAction(0.1)));
        var decisions = Enumerable.Range(0, 200).Select(i => sampler.Decide(RootOnly(RandomId(new Random(i))), Now)).ToList();

        Assert.All(decisions.Where(d => d.Keep), d => Assert.Equal(new SamplingDecision(true, "probabilistic/default", 10), d));
        Assert.All(decisions.Where(d => !d.Keep), d => Assert.Equal(new SamplingDecision(false, "probabilistic/default", 0), d));
        Assert.Contains(decisions, d => d.Keep);
        Assert.Contains(decisions, d => !d.Keep);
    }

    [Fact]
    public void Probabilistic_rules_carry_the_rounded_sample_rate()
    {
        var id = FindId(id => ProbabilisticSampling.Keeps(id, 0.001));
        var sampler = new TraceSampler(Rules(DropAction.Instance, new SamplingRule("static", AlwaysCondition.Instance, new KeepAction(0.001))));
        Assert.Equal(new SamplingDecision(true, "probabilistic/static", 1000), sampler.Decide(RootOnly(id), Now));
    }

    [Fact]
    public void The_same_trace_id_gets_the_same_answer_on_every_sampler()
    {
        var rules = Rules(DropAction.Instance, new SamplingRule("api", AlwaysCondition.Instance, new KeepAction(0.5)));
        var nodeA = new TraceSampler(rules);
        var nodeB = new TraceSampler(rules);
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var trace = RootOnly(RandomId(random));
            Assert.Equal(nodeA.Decide(trace, Now), nodeB.Decide(trace, Now));
            Assert.Equal(nodeA.Decide(trace, Now), nodeA.Decide(trace, Now.AddHours(1)));
        }
    }

    [Fact]
    public void A_category_rule_picks_the_first_matching_category_and_reports_its_name()
    {
        var sampler = new TraceSampler(Rules(
            KeepAction.All,
            new SamplingRule("function-type", AlwaysCondition.Instance, new CategoryAction([
                new SamplingCategory("api", new StringAttributeCondition("function_type", ["api"], []), new KeepAction(0.1)),
                new SamplingCategory("static", new RouteCondition(["/static/**"], [], RouteCondition.DefaultKeys), new KeepAction(0.001)),
                new SamplingCategory("bots", new StringAttributeCondition("user_agent.name", [], ["(?i)bot"]), DropAction.Instance),
            ]))));

        var api = RootOnly(FindId(id => ProbabilisticSampling.Keeps(id, 0.1)), Str("function_type", "api"));
        var staticAsset = RootOnly(FindId(id => !ProbabilisticSampling.Keeps(id, 0.001)), Str("url.path", "/static/app.js"));
        var bot = RootOnly(DefaultId, Str("user_agent.name", "Googlebot"));

        Assert.Equal(new SamplingDecision(true, "probabilistic/api", 10), sampler.Decide(api, Now));
        Assert.Equal(new SamplingDecision(false, "probabilistic/static", 0), sampler.Decide(staticAsset, Now));
        Assert.Equal(new SamplingDecision(false, "drop/bots", 0), sampler.Decide(bot, Now));
    }

    [Fact]
    public void A_category_rule_with_no_matching_category_falls_through_to_the_next_rule()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("function-type", AlwaysCondition.Instance, new CategoryAction([
                new SamplingCategory("api", new StringAttributeCondition("function_type", ["api"], []), DropAction.Instance),
            ])),
            new SamplingRule("rest", AlwaysCondition.Instance, KeepAction.All)));

        Assert.Equal("rules/rest", sampler.Decide(RootOnly(DefaultId, Str("function_type", "edge-function")), Now).Reason);
        Assert.Equal("drop/api", sampler.Decide(RootOnly(DefaultId, Str("function_type", "api")), Now).Reason);
    }

    [Fact]
    public void A_rate_limited_rule_drops_over_the_limit_and_recovers_with_time()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("errors", StatusCodeCondition.Error, new KeepAction(1, new RateLimitSpec(2, 2)))));
        var error = Trace(Span(1, status: SpanStatusCode.Error));

        Assert.Equal("rules/errors", sampler.Decide(error, Now).Reason);
        Assert.Equal("rules/errors", sampler.Decide(error, Now).Reason);
        Assert.Equal(new SamplingDecision(false, "rate-limited/errors", 0), sampler.Decide(error, Now));
        Assert.Equal("rules/errors", sampler.Decide(error, Now.AddSeconds(0.5)).Reason);
        Assert.Equal(1, sampler.RateLimiters["errors"].Denied);
    }

    [Fact]
    public void A_nodes_share_of_the_shards_scales_only_its_cluster_wide_limits()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("errors", StatusCodeCondition.Error, new KeepAction(1, new RateLimitSpec(4, 4, ClusterWide: true))),
            new SamplingRule("rest", AlwaysCondition.Instance, new KeepAction(1, new RateLimitSpec(4, 4)))));
        sampler.SetClusterShare(0.5);
        Assert.Equal(2, sampler.RateLimiters["errors"].EffectiveTracesPerSecond);
        Assert.Equal(4, sampler.RateLimiters["rest"].EffectiveTracesPerSecond);

        var error = Trace(Span(1, status: SpanStatusCode.Error));
        var other = Trace(Span(1));
        Assert.Equal(2, Enumerable.Range(0, 4).Count(_ => sampler.Decide(error, Now).Keep));
        Assert.Equal(4, Enumerable.Range(0, 6).Count(_ => sampler.Decide(other, Now).Keep));
    }

    [Fact]
    public void Traces_the_rule_drops_by_probability_do_not_spend_rate_limit_tokens()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("api", AlwaysCondition.Instance, new KeepAction(0.1, new RateLimitSpec(1, 1)))));
        var loser = RootOnly(FindId(id => !ProbabilisticSampling.Keeps(id, 0.1)));
        var winner = RootOnly(FindId(id => ProbabilisticSampling.Keeps(id, 0.1)));

        Assert.Equal("probabilistic/api", sampler.Decide(loser, Now).Reason);
        Assert.Equal(new SamplingDecision(true, "probabilistic/api", 10), sampler.Decide(winner, Now));
        Assert.Equal(new SamplingDecision(false, "rate-limited/api", 0), sampler.Decide(winner, Now));
    }

    [Fact]
    public void Over_the_limit_a_rule_keeps_its_over_limit_fraction_at_the_combined_rate()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("errors", AlwaysCondition.Instance, new KeepAction(0.5, new RateLimitSpec(1, 1, OverLimitProbability: 0.1)))));
        // Spend the single token.
        sampler.Decide(RootOnly(FindId(id => ProbabilisticSampling.Keeps(id, 0.5))), Now);

        var lucky = RootOnly(FindId(id => ProbabilisticSampling.Keeps(id, 0.05)));
        var unlucky = RootOnly(FindId(id => ProbabilisticSampling.Keeps(id, 0.5) && !ProbabilisticSampling.Keeps(id, 0.05)));
        Assert.Equal(new SamplingDecision(true, "rate-limited/errors", 20), sampler.Decide(lucky, Now));
        Assert.Equal(new SamplingDecision(false, "rate-limited/errors", 0), sampler.Decide(unlucky, Now));
    }

    [Fact]
    public void Each_attribute_is_decoded_at_most_once_per_span()
    {
        // Three rules read the same two keys; none matches, so every rule looks at every span.
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("a", new StringAttributeCondition("function_type", ["nope"], []), KeepAction.All),
            new SamplingRule("b", new AnyCondition([
                new StringAttributeCondition("function_type", [], ["^x"]),
                new NumericAttributeCondition("http.status_code", 900, null),
            ]), KeepAction.All),
            new SamplingRule("c", new NumericAttributeCondition("http.status_code", 1000, null), KeepAction.All)));
        var trace = Trace(
            Span(1, attributes: [Str("function_type", "api"), Int("http.status_code", 200)]),
            Span(2, parent: 1),
            Span(3, parent: 1, origin: Origin("svc")));

        var before = TraceEvaluation.DecodesOnThisThread;
        Assert.False(sampler.Decide(trace, Now).Keep);
        var decodes = TraceEvaluation.DecodesOnThisThread - before;

        // 3 spans x 2 keys, plus one resource lookup per key for span 3 (the only one with a resource).
        Assert.Equal(8, decodes);
    }

    [Fact]
    public void Resource_attributes_shared_by_spans_are_decoded_once_per_key()
    {
        var origin = Origin("svc", Str("function_type", "api"));
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("none", new StringAttributeCondition("function_type", ["edge"], []), KeepAction.All)));
        var trace = Trace(Span(1, origin: origin), Span(2, parent: 1, origin: origin), Span(3, parent: 1, origin: origin));

        var before = TraceEvaluation.DecodesOnThisThread;
        sampler.Decide(trace, Now);
        Assert.Equal(3 + 1, TraceEvaluation.DecodesOnThisThread - before);
    }

    [Fact]
    public void Rules_that_read_no_attributes_decode_nothing()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("errors", StatusCodeCondition.Error, KeepAction.All),
            new SamplingRule("slow", new LatencyCondition(TimeSpan.FromSeconds(2)), KeepAction.All)));

        var before = TraceEvaluation.DecodesOnThisThread;
        sampler.Decide(Trace(Span(1, attributes: [Str("a", "b")]), Span(2, parent: 1)), Now);
        Assert.Equal(0, TraceEvaluation.DecodesOnThisThread - before);
    }

    [Fact]
    public void A_span_whose_attributes_do_not_decode_counts_as_not_having_them()
    {
        var good = Span(1, attributes: [Str("function_type", "api")]);
        // Field 9 (attributes), length-delimited, claiming 127 bytes that are not there.
        var corrupt = new BufferedSpan(DefaultId, new SpanId(2), new SpanId(1), good.StartUnixNano, good.EndUnixNano, "op", SpanKind.Internal, SpanStatusCode.Unset, SpanOrigin.Unknown, new byte[] { 0x4A, 0x7F, 0x01 });
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("edge", new StringAttributeCondition("function_type", ["edge-function"], []), KeepAction.All),
            new SamplingRule("api", new StringAttributeCondition("function_type", ["api"], []), KeepAction.All)));

        Assert.Equal("rules/api", sampler.Decide(Trace(corrupt, good), Now).Reason);
    }

    [Fact]
    public void Invalid_rules_are_rejected_when_the_sampler_is_built()
    {
        Assert.Contains("rules[0] (bad)", Assert.Throws<ArgumentException>(() => new TraceSampler(Rules(
            DropAction.Instance, new SamplingRule("bad", new StringAttributeCondition("k", [], ["("]), KeepAction.All)))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new TraceSampler(Rules(DropAction.Instance, new SamplingRule("p", AlwaysCondition.Instance, new KeepAction(0)))));
        Assert.Throws<ArgumentException>(() => new TraceSampler(Rules(new CategoryAction([]))));
        Assert.Throws<ArgumentException>(() => new TraceSampler(Rules(DropAction.Instance, new SamplingRule("", AlwaysCondition.Instance, KeepAction.All))));
        Assert.Throws<ArgumentException>(() => new TraceSampler(Rules(DropAction.Instance, new SamplingRule("n", new NumericAttributeCondition("k", null, null), KeepAction.All))));
    }

    [Fact]
    public void Deciding_is_safe_from_many_threads()
    {
        var sampler = new TraceSampler(Rules(
            DropAction.Instance,
            new SamplingRule("api", new StringAttributeCondition("function_type", ["api"], []), new KeepAction(0.5))));
        var traces = Enumerable.Range(0, 2000).Select(i => RootOnly(RandomId(new Random(i)), Str("function_type", "api"))).ToArray();
        var expected = traces.Select(t => sampler.Decide(t, Now)).ToArray();

        var actual = new SamplingDecision[traces.Length];
        Parallel.For(0, traces.Length, i => actual[i] = sampler.Decide(traces[i], Now));

        Assert.Equal(expected, actual);
    }

    private static TraceId FindId(Func<TraceId, bool> predicate)
    {
        var random = new Random(42);
        while (true)
        {
            var id = RandomId(random);
            if (predicate(id))
            {
                return id;
            }
        }
    }
}
