using System.Runtime.CompilerServices;
using ActorTracing.Actors.Sampling;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;

namespace ActorTracing.Actors.Tests.Sampling;

public sealed class SamplingRulesConfigSpec
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<SamplingRules> Shipped = new(() => SamplingRulesConfig.Parse(File.ReadAllText(ShippedFile())));

    [Fact]
    public void The_shipped_file_parses_into_the_documented_rules()
    {
        var rules = Shipped.Value;

        Assert.Equal(["errors", "slow", "health-checks", "function-type"], rules.Rules.Select(r => r.Name));
        Assert.Equal(new StatusCodeCondition([SpanStatusCode.Error]).Codes, Assert.IsType<StatusCodeCondition>(rules.Rules[0].Condition).Codes);
        Assert.Equal(KeepAction.All, rules.Rules[0].Action);

        Assert.Equal(new LatencyCondition(TimeSpan.FromSeconds(2), null, LatencyMeasure.RootOrTrace), rules.Rules[1].Condition);
        Assert.Equal(KeepAction.All, rules.Rules[1].Action);

        var health = Assert.IsType<AnyCondition>(rules.Rules[2].Condition);
        var route = Assert.IsType<RouteCondition>(health.Conditions[0]);
        Assert.Contains("/healthz", route.Globs);
        Assert.Equal(SpanScope.RootSpan, route.Scope);
        Assert.Same(DropAction.Instance, rules.Rules[2].Action);

        var categories = Assert.IsType<CategoryAction>(rules.Rules[3].Action).Categories;
        Assert.Equal(["api", "edge-function", "static"], categories.Select(c => c.Name));
        Assert.Equal([0.10, 0.05, 0.001], categories.Select(c => Assert.IsType<KeepAction>(c.Action).Probability));
        Assert.Equal(new StringAttributeCondition("function_type", ["api"], []).Values, Assert.IsType<StringAttributeCondition>(categories[0].Condition).Values);

        Assert.Equal(new KeepAction(0.1), rules.Default);
    }

    [Fact]
    public void The_shipped_rules_keep_an_error_trace_as_rules_errors()
    {
        var sampler = new TraceSampler(Shipped.Value);
        var trace = Trace(Span(1, name: "GET /healthz", attributes: [("url.path", "/healthz")]), Span(2, parent: 1, status: SpanStatusCode.Error));
        Assert.Equal(new SamplingDecision(true, "rules/errors", 1), sampler.Decide(trace, Now));
    }

    [Fact]
    public void The_shipped_rules_keep_a_slow_trace_as_rules_slow()
    {
        var sampler = new TraceSampler(Shipped.Value);
        Assert.Equal(new SamplingDecision(true, "rules/slow", 1), sampler.Decide(Trace(Span(1, duration: TimeSpan.FromSeconds(3))), Now));
    }

    [Theory]
    [InlineData("http.route", "/healthz", null)]
    [InlineData("url.path", "/health/live", null)]
    [InlineData("user_agent.original", "kube-probe/1.29", "/api/status")]
    public void The_shipped_rules_drop_health_checks(string key, string value, string? path)
    {
        var sampler = new TraceSampler(Shipped.Value);
        (string, string)[] attributes = path is null ? [(key, value)] : [(key, value), ("url.path", path)];
        Assert.Equal(new SamplingDecision(false, "drop/health-checks", 0), sampler.Decide(Trace(Span(1, attributes: attributes)), Now));
    }

    [Theory]
    [InlineData("function_type", "api", "probabilistic/api", 0.10, 10u)]
    [InlineData("function_type", "edge-function", "probabilistic/edge-function", 0.05, 20u)]
    [InlineData("function_type", "static", "probabilistic/static", 0.001, 1000u)]
    [InlineData("url.path", "/assets/img/logo.png", "probabilistic/static", 0.001, 1000u)]
    [InlineData("function_type", "batch", "probabilistic/default", 0.10, 10u)]
    public void The_shipped_rules_sample_each_category_at_its_rate(string key, string value, string reason, double rate, uint sampleRate)
    {
        var sampler = new TraceSampler(Shipped.Value);
        var random = new Random(99);
        const int count = 20_000;
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var decision = sampler.Decide(Trace(RandomId(random), Span(1, attributes: [(key, value)])), Now);
            Assert.Equal(reason, decision.Reason);
            if (decision.Keep)
            {
                kept++;
                Assert.Equal(sampleRate, decision.SampleRate);
            }
        }
        var tolerance = Math.Max(0.0015, rate * 0.15);
        Assert.InRange((double)kept / count, rate - tolerance, rate + tolerance);
    }

    [Fact]
    public void A_full_config_of_every_kind_parses()
    {
        var rules = SamplingRulesConfig.Parse("""
            actortracing.sampling {
              rules = [
                { name = a, condition = { type = all, conditions = [ { type = always }, { type = not, condition = { type = span-count, min = 3 } } ] }, action = drop }
                { name = b, condition = { type = numeric-attribute, key = http.response.status_code, min = 500, max = 599, scope = root },
                  action = { type = keep, sample-rate = 4, hash-salt = b, rate-limit = { traces-per-second = 20, burst = 40, over-limit-percentage = 1 } } }
                { name = c, condition = { type = boolean-attribute, key = cache.hit, value = false }, action = { type = keep, rate-limit = { traces-per-second = 5, per = node } } }
                { name = d, condition = { type = attribute-exists, key = enduser.id }, action = keep }
                { name = e, condition = { type = span-kind, kinds = [server, CONSUMER], scope = root }, action = keep }
                { name = f, condition = { type = string-attribute, key = name, values = [x], patterns = ["^y"], invert = true }, action = keep }
                { name = g, condition = { type = route, globs = ["/api/**"], patterns = ["^/v[0-9]+/"], keys = [http.route] }, action = keep }
                { name = h, condition = { type = completion-reason, reasons = [expired] }, action = keep }
                { name = i, condition = { type = latency, threshold = 500ms, upper-threshold = 1.5m, measure = trace }, action = keep }
                { name = j, condition = { type = status-code, codes = error }, action = keep }
              ]
              default = drop
            }
            """);

        Assert.Equal(new NotCondition(new SpanCountCondition(3)), Assert.IsType<AllCondition>(rules.Rules[0].Condition).Conditions[1]);
        Assert.Equal(new NumericAttributeCondition("http.response.status_code", 500, 599, SpanScope.RootSpan), rules.Rules[1].Condition);
        // A rate is the cluster's unless said otherwise.
        Assert.Equal(new KeepAction(0.25, new RateLimitSpec(20, 40, 0.01, ClusterWide: true), "b"), rules.Rules[1].Action);
        Assert.Equal(new KeepAction(1, new RateLimitSpec(5, 5, 0, ClusterWide: false)), rules.Rules[2].Action);
        Assert.Equal(new BooleanAttributeCondition("cache.hit", false), rules.Rules[2].Condition);
        Assert.Equal(new AttributeExistsCondition("enduser.id"), rules.Rules[3].Condition);
        Assert.Equal([SpanKind.Server, SpanKind.Consumer], Assert.IsType<SpanKindCondition>(rules.Rules[4].Condition).Kinds);
        var text = Assert.IsType<StringAttributeCondition>(rules.Rules[5].Condition);
        Assert.True(text.Invert);
        Assert.Equal(["^y"], text.Patterns);
        Assert.Equal(["http.route"], Assert.IsType<RouteCondition>(rules.Rules[6].Condition).Keys);
        Assert.Equal(["expired"], Assert.IsType<CompletionReasonCondition>(rules.Rules[7].Condition).Reasons);
        Assert.Equal(new LatencyCondition(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(90), LatencyMeasure.Trace), rules.Rules[8].Condition);
        Assert.Equal([SpanStatusCode.Error], Assert.IsType<StatusCodeCondition>(rules.Rules[9].Condition).Codes);
        Assert.Same(DropAction.Instance, rules.Default);
    }

    [Fact]
    public void A_category_with_routes_and_values_matches_either()
    {
        var rules = SamplingRulesConfig.Parse("""
            actortracing.sampling {
              rules = [ { name = kinds, action = { type = categories, key = kind, categories = [
                { name = static, values = [assets], routes = ["/s/**"], action = drop }
              ] } } ]
              default = keep
            }
            """);
        var sampler = new TraceSampler(rules);
        Assert.Equal("drop/static", sampler.Decide(Trace(Span(1, attributes: [("kind", "assets")])), Now).Reason);
        Assert.Equal("drop/static", sampler.Decide(Trace(Span(1, attributes: [("url.path", "/s/a.css")])), Now).Reason);
        Assert.Equal("default", sampler.Decide(Trace(Span(1, attributes: [("kind", "static")])), Now).Reason);
    }

    [Theory]
    [InlineData("""{ name = r, condition = { type = latency, threshold = fast }, action = keep }""",
        "actortracing.sampling.rules[0].condition.threshold: expected a duration like 2s, got 'fast'")]
    [InlineData("""{ name = r, condition = { type = latency, threshold = 2000 }, action = keep }""",
        "actortracing.sampling.rules[0].condition.threshold: expected a duration like 2s, got '2000'")]
    [InlineData("""{ name = r, condition = { type = latency, threshold = 2s, upper-threshold = 1s }, action = keep }""",
        "actortracing.sampling.rules[0].condition.upper-threshold: must be above threshold")]
    [InlineData("""{ name = r, condition = { type = latency, threshold = 2s, measure = p99 }, action = keep }""",
        "actortracing.sampling.rules[0].condition.measure: expected root, trace or root-or-trace, got 'p99'")]
    [InlineData("""{ name = r, condition = { type = sometimes }, action = keep }""",
        "actortracing.sampling.rules[0].condition.type: unknown condition type 'sometimes'")]
    [InlineData("""{ name = r, condition = { type = status-code, treshold = 1 }, action = keep }""",
        "actortracing.sampling.rules[0].condition.treshold: unknown key")]
    [InlineData("""{ name = r, condition = { type = status-code, codes = [error, broken] }, action = keep }""",
        "actortracing.sampling.rules[0].condition.codes[1]: expected unset, ok or error, got 'broken'")]
    [InlineData("""{ name = r, condition = { type = string-attribute, key = k, patterns = ["(oops"] }, action = keep }""",
        "actortracing.sampling.rules[0].condition.patterns[0]: invalid regular expression '(oops'")]
    [InlineData("""{ name = r, condition = { type = string-attribute, key = k }, action = keep }""",
        "actortracing.sampling.rules[0].condition.values: a string-attribute condition needs values, patterns or both")]
    [InlineData("""{ name = r, condition = { type = string-attribute, values = [a] }, action = keep }""",
        "actortracing.sampling.rules[0].condition.key: missing")]
    [InlineData("""{ name = r, condition = { type = string-attribute, key = k, values = [a], invert = maybe }, action = keep }""",
        "actortracing.sampling.rules[0].condition.invert: expected true or false, got 'maybe'")]
    [InlineData("""{ name = r, condition = { type = numeric-attribute, key = k, min = ten }, action = keep }""",
        "actortracing.sampling.rules[0].condition.min: expected a number, got 'ten'")]
    [InlineData("""{ name = r, condition = { type = numeric-attribute, key = k, min = 5, max = 1 }, action = keep }""",
        "actortracing.sampling.rules[0].condition.max: must be at least min (5), got '1'")]
    [InlineData("""{ name = r, condition = { type = span-count, min = -1 }, action = keep }""",
        "actortracing.sampling.rules[0].condition.min: expected a whole number of 0 or more, got '-1'")]
    [InlineData("""{ name = r, condition = { type = span-kind, kinds = [server, sideways] }, action = keep }""",
        "actortracing.sampling.rules[0].condition.kinds[1]: expected internal, server, client, producer, consumer or unspecified, got 'sideways'")]
    [InlineData("""{ name = r, condition = { type = route, globs = ["/a/{b,c"] }, action = keep }""",
        "actortracing.sampling.rules[0].condition.globs[0]: invalid glob '/a/{b,c'")]
    [InlineData("""{ name = r, condition = { type = route, scope = leaf, globs = ["/a"] }, action = keep }""",
        "actortracing.sampling.rules[0].condition.scope: expected any or root, got 'leaf'")]
    [InlineData("""{ name = r, condition = { type = any, conditions = [ { type = always }, { typo = 1 } ] }, action = keep }""",
        "actortracing.sampling.rules[0].condition.conditions[1].type: missing")]
    [InlineData("""{ name = r, condition = { type = not }, action = keep }""",
        "actortracing.sampling.rules[0].condition.condition: missing")]
    [InlineData("""{ name = r }""",
        "actortracing.sampling.rules[0].action: missing")]
    [InlineData("""{ condition = { type = always }, action = keep }""",
        "actortracing.sampling.rules[0].name: missing")]
    [InlineData("""{ name = "has space", action = keep }""",
        "actortracing.sampling.rules[0].name: 'has space' is not a valid name")]
    [InlineData("""{ name = default, action = keep }""",
        "actortracing.sampling.rules[0].name: 'default' is reserved")]
    [InlineData("""{ name = r, action = maybe }""",
        "actortracing.sampling.rules[0].action: expected keep, drop or categories, got 'maybe'")]
    [InlineData("""{ name = r, action = { type = keep, sample-percentage = 0 } }""",
        "actortracing.sampling.rules[0].action.sample-percentage: expected a percentage above 0 and at most 100, got '0'")]
    [InlineData("""{ name = r, action = { type = keep, sample-percentage = 150 } }""",
        "actortracing.sampling.rules[0].action.sample-percentage: expected a percentage above 0 and at most 100, got '150'")]
    [InlineData("""{ name = r, action = { type = keep, sample-rate = 0.5 } }""",
        "actortracing.sampling.rules[0].action.sample-rate: expected a rate of at least 1")]
    [InlineData("""{ name = r, action = { type = keep, sample-rate = 2, sample-percentage = 50 } }""",
        "actortracing.sampling.rules[0].action.sample-rate: set sample-percentage or sample-rate, not both")]
    [InlineData("""{ name = r, action = { type = keep, rate-limit = { burst = 3 } } }""",
        "actortracing.sampling.rules[0].action.rate-limit.traces-per-second: missing")]
    [InlineData("""{ name = r, action = { type = keep, rate-limit = { traces-per-second = 1, per = region } } }""",
        "actortracing.sampling.rules[0].action.rate-limit.per: expected cluster (the rate is the whole cluster's) or node (each node's), got 'region'")]
    [InlineData("""{ name = r, action = { type = keep, rate-limit = { traces-per-second = 0 } } }""",
        "actortracing.sampling.rules[0].action.rate-limit.traces-per-second: expected a positive number of traces per second, got '0'")]
    [InlineData("""{ name = r, action = { type = drop, sample-percentage = 5 } }""",
        "actortracing.sampling.rules[0].action.sample-percentage: unknown key")]
    [InlineData("""{ name = r, action = { type = categories, categories = [ { name = api, action = keep } ] } }""",
        "actortracing.sampling.rules[0].action.categories[0]: a category needs values, routes, route-patterns or condition")]
    [InlineData("""{ name = r, action = { type = categories, categories = [ { name = api, values = [x], action = keep } ] } }""",
        "actortracing.sampling.rules[0].action.categories[0].values: values need the attribute to compare: set actortracing.sampling.rules[0].action.key")]
    [InlineData("""{ name = r, action = { type = categories, key = k, categories = [ { name = api } ] } }""",
        "actortracing.sampling.rules[0].action.categories[0].action: missing")]
    [InlineData("""{ name = r, action = { type = categories, key = k, categories = [ { name = api, action = { type = categories } } ] } }""",
        "actortracing.sampling.rules[0].action.categories[0].action.type: categories cannot be nested")]
    [InlineData("""{ name = r, action = { type = categories, key = k, categories = [] } }""",
        "actortracing.sampling.rules[0].action.categories: expected a non-empty list of categories")]
    public void A_bad_rule_fails_naming_the_key(string rule, string expectedStart)
    {
        var error = Assert.Throws<SamplingConfigException>(() => SamplingRulesConfig.Parse(
            $"actortracing.sampling {{\n  rules = [\n    {rule}\n  ]\n  default = keep\n}}"));
        Assert.StartsWith(expectedStart, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_error_names_the_index_of_the_broken_rule()
    {
        var error = Assert.Throws<SamplingConfigException>(() => SamplingRulesConfig.Parse("""
            actortracing.sampling {
              rules = [
                { name = a, action = keep }
                { name = b, action = keep }
                { name = c, action = keep }
                { name = d, condition = { type = latency, threshold = fast }, action = keep }
              ]
              default = keep
            }
            """));
        Assert.Equal("actortracing.sampling.rules[3].condition.threshold: expected a duration like 2s, got 'fast'", error.Message);
        Assert.Equal("actortracing.sampling.rules[3].condition.threshold", error.Path);
    }

    [Fact]
    public void Duplicate_names_across_rules_and_categories_are_rejected()
    {
        var error = Assert.Throws<SamplingConfigException>(() => SamplingRulesConfig.Parse("""
            actortracing.sampling {
              rules = [
                { name = api, action = keep }
                { name = by-type, action = { type = categories, key = t, categories = [ { name = api, action = drop } ] } }
              ]
              default = keep
            }
            """));
        Assert.Equal("actortracing.sampling.rules[1].action.categories[0].name: 'api' is already used by actortracing.sampling.rules[0]", error.Message);
    }

    [Theory]
    [InlineData("actortracing.other = 1", "actortracing.sampling: section missing")]
    [InlineData("actortracing.sampling { rules = [] }", "actortracing.sampling.default: missing")]
    [InlineData("actortracing.sampling { rules = [], default = { type = categories } }", "actortracing.sampling.default.type: categories cannot be nested or used as the default")]
    [InlineData("actortracing.sampling { rules = [], default = keep, defualt = drop }", "actortracing.sampling.defualt: unknown key")]
    [InlineData("actortracing.sampling { rules = { name = a }, default = keep }", "actortracing.sampling.rules: expected a list")]
    [InlineData("actortracing.sampling { rules = [ keep ], default = keep }", "actortracing.sampling.rules[0]: expected an object")]
    public void A_bad_section_fails_naming_the_key(string hocon, string expectedStart)
    {
        var error = Assert.Throws<SamplingConfigException>(() => SamplingRulesConfig.Parse(hocon));
        Assert.StartsWith(expectedStart, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250ms", 250 * TimeSpan.TicksPerMillisecond)]
    [InlineData("2s", 2 * TimeSpan.TicksPerSecond)]
    [InlineData("1.5 seconds", 15 * TimeSpan.TicksPerSecond / 10)]
    [InlineData("3m", 3 * TimeSpan.TicksPerMinute)]
    [InlineData("1h", TimeSpan.TicksPerHour)]
    [InlineData("500us", 5000)]
    [InlineData("100ns", 1)]
    public void Durations_take_the_usual_units(string text, long ticks)
        => Assert.Equal(TimeSpan.FromTicks(ticks), SamplingRulesConfig.ParseDuration("p", text));

    [Fact]
    public void Deployment_config_can_override_the_shipped_rules_with_a_fallback_chain()
    {
        var shipped = Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(ShippedFile()));
        var deployment = Akka.Configuration.ConfigurationFactory.ParseString("actortracing.sampling.default = drop");
        var rules = SamplingRulesConfig.Parse(deployment.WithFallback(shipped));
        Assert.Same(DropAction.Instance, rules.Default);
        Assert.Equal(4, rules.Rules.Count);
    }

    private static string ShippedFile([CallerFilePath] string thisFile = "")
    {
        // Located from the source tree rather than the output folder: the file is the product's
        // documentation and must be tested as committed, not as some copy.
        var directory = new DirectoryInfo(Path.GetDirectoryName(thisFile)!);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "hocon", "sampling-rules.conf")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? throw new FileNotFoundException("hocon/sampling-rules.conf not found above " + thisFile), "hocon", "sampling-rules.conf");
    }

    private static readonly TraceId FixedId = new(0x0123456789ABCDEFUL, 0xFEDCBA9876543210UL);

    private static TraceSnapshot Trace(params BufferedSpan[] spans) => new(FixedId, spans, "got_root");

    private static TraceSnapshot Trace(TraceId id, params BufferedSpan[] spans) => new(id, spans, "got_root");

    private static TraceId RandomId(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        TraceId.TryRead(bytes, out var id);
        return id;
    }

    private static BufferedSpan Span(
        ulong spanId,
        ulong parent = 0,
        string name = "op",
        SpanStatusCode status = SpanStatusCode.Unset,
        TimeSpan duration = default,
        (string Key, string Value)[]? attributes = null)
    {
        const ulong start = 1_700_000_000_000_000_000UL;
        var end = start + (ulong)(duration.Ticks * 100);
        var detail = new SpanDetail
        {
            TraceId = FixedId,
            SpanId = new SpanId(spanId),
            ParentSpanId = new SpanId(parent),
            Name = name,
            StartUnixNano = start,
            EndUnixNano = end,
            StatusCode = status,
            Attributes = (attributes ?? []).Select(a => KeyValuePair.Create(a.Key, AttributeValue.FromString(a.Value))).ToList(),
        };
        return new BufferedSpan(FixedId, detail.SpanId, detail.ParentSpanId, start, end, name, SpanKind.Server, status, SpanOrigin.Unknown, OtlpEncoder.EncodeSpan(detail));
    }
}
