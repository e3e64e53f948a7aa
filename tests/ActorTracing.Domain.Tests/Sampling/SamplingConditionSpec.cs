using ActorTracing.Domain.Sampling;
using static ActorTracing.Domain.Tests.Sampling.TestTraces;

namespace ActorTracing.Domain.Tests.Sampling;

public sealed class SamplingConditionSpec
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Status_error_matches_when_any_span_failed()
    {
        var failing = Trace(Span(1), Span(2, parent: 1, status: SpanStatusCode.Error));
        var healthy = Trace(Span(1, status: SpanStatusCode.Ok), Span(2, parent: 1));

        Assert.True(Matches(StatusCodeCondition.Error, failing));
        Assert.False(Matches(StatusCodeCondition.Error, healthy));
        Assert.True(Matches(new StatusCodeCondition([SpanStatusCode.Ok]), healthy));
    }

    [Fact]
    public void Root_latency_compares_the_root_span_only()
    {
        var condition = new LatencyCondition(TimeSpan.FromSeconds(2), Measure: LatencyMeasure.Root);
        var slowRoot = Trace(Span(1, duration: TimeSpan.FromSeconds(3)));
        // The child ends late, so the trace is long, but the root itself is fast.
        var slowTrace = Trace(Span(1, duration: 10 * Ms), Span(2, parent: 1, start: TimeSpan.FromSeconds(1), duration: TimeSpan.FromSeconds(5)));

        Assert.True(Matches(condition, slowRoot));
        Assert.False(Matches(condition, slowTrace));
    }

    [Fact]
    public void Trace_latency_spans_earliest_start_to_latest_end()
    {
        var condition = new LatencyCondition(TimeSpan.FromSeconds(2), Measure: LatencyMeasure.Trace);
        var slowTrace = Trace(Span(1, duration: 10 * Ms), Span(2, parent: 1, start: TimeSpan.FromSeconds(1), duration: TimeSpan.FromSeconds(5)));
        var noRootButLong = Trace(Span(2, parent: 1, duration: TimeSpan.FromSeconds(1)), Span(3, parent: 1, start: TimeSpan.FromSeconds(4), duration: Ms));

        Assert.True(Matches(condition, slowTrace));
        Assert.True(Matches(condition, noRootButLong));
        Assert.False(Matches(new LatencyCondition(TimeSpan.FromSeconds(2), Measure: LatencyMeasure.Root), noRootButLong));
    }

    [Fact]
    public void Root_or_trace_latency_matches_either()
    {
        var condition = new LatencyCondition(TimeSpan.FromSeconds(2));
        Assert.True(Matches(condition, Trace(Span(1, duration: TimeSpan.FromSeconds(3)))));
        Assert.True(Matches(condition, Trace(Span(1, duration: Ms), Span(2, parent: 1, start: TimeSpan.FromSeconds(3), duration: Ms))));
        Assert.False(Matches(condition, Trace(Span(1, duration: TimeSpan.FromSeconds(1)))));
    }

    [Fact]
    public void Latency_threshold_is_exclusive_and_upper_threshold_inclusive()
    {
        var condition = new LatencyCondition(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), LatencyMeasure.Root);
        Assert.False(Matches(condition, Trace(Span(1, duration: TimeSpan.FromSeconds(1)))));
        Assert.True(Matches(condition, Trace(Span(1, duration: TimeSpan.FromSeconds(1) + Ms))));
        Assert.True(Matches(condition, Trace(Span(1, duration: TimeSpan.FromSeconds(5)))));
        Assert.False(Matches(condition, Trace(Span(1, duration: TimeSpan.FromSeconds(5) + Ms))));
    }

    [Fact]
    public void String_attribute_matches_exact_values_on_span_attributes()
    {
        var condition = new StringAttributeCondition("http.method", ["GET", "HEAD"], []);
        Assert.True(Matches(condition, Trace(Span(1), Span(2, parent: 1, attributes: [Str("http.method", "HEAD")]))));
        Assert.False(Matches(condition, Trace(Span(1, attributes: [Str("http.method", "get")]))));
        Assert.False(Matches(condition, Trace(Span(1))));
    }

    [Fact]
    public void String_attribute_falls_back_to_resource_attributes()
    {
        var origin = Origin("checkout", Str("deployment.environment", "staging"));
        var condition = new StringAttributeCondition("deployment.environment", ["staging"], []);
        Assert.True(Matches(condition, Trace(Span(1, origin: origin))));
        // A span attribute of the same key wins over the resource's.
        Assert.False(Matches(condition, Trace(Span(1, origin: origin, attributes: [Str("deployment.environment", "prod")]))));
    }

    [Fact]
    public void String_attribute_reads_virtual_fields()
    {
        var trace = Trace(Span(1, name: "GET /users", kind: SpanKind.Server, origin: Origin("frontend")));
        Assert.True(Matches(new StringAttributeCondition(VirtualFields.Name, ["GET /users"], []), trace));
        Assert.True(Matches(new StringAttributeCondition(VirtualFields.ServiceName, ["frontend"], []), trace));
        Assert.True(Matches(new StringAttributeCondition(VirtualFields.Kind, ["server"], []), trace));
        Assert.True(Matches(new StringAttributeCondition(VirtualFields.StatusCode, ["unset"], []), trace));
        Assert.True(Matches(new StringAttributeCondition(VirtualFields.Region, ["eu-west-1"], []), trace));
        Assert.False(Matches(new StringAttributeCondition(VirtualFields.ServiceName, ["backend"], []), trace));
    }

    [Fact]
    public void String_attribute_matches_regex_patterns_unanchored()
    {
        var condition = new StringAttributeCondition(VirtualFields.Name, [], ["(?i)health"]);
        Assert.True(Matches(condition, Trace(Span(1, name: "GET /Healthz"))));
        Assert.False(Matches(condition, Trace(Span(1, name: "GET /users"))));
    }

    [Fact]
    public void String_attribute_compares_non_string_values_by_their_text()
    {
        var condition = new StringAttributeCondition("http.status_code", ["503"], []);
        Assert.True(Matches(condition, Trace(Span(1, attributes: [Int("http.status_code", 503)]))));
    }

    [Fact]
    public void Inverted_string_attribute_matches_when_no_span_has_a_matching_value()
    {
        var condition = new StringAttributeCondition("tenant", ["internal"], [], Invert: true);
        Assert.True(Matches(condition, Trace(Span(1, attributes: [Str("tenant", "acme")]))));
        Assert.True(Matches(condition, Trace(Span(1))));
        Assert.False(Matches(condition, Trace(Span(1), Span(2, parent: 1, attributes: [Str("tenant", "internal")]))));
    }

    [Fact]
    public void Root_scope_ignores_child_spans()
    {
        var trace = Trace(Span(1, name: "root"), Span(2, parent: 1, name: "child"));
        Assert.True(Matches(new StringAttributeCondition(VirtualFields.Name, ["child"], [], Scope: SpanScope.AnySpan), trace));
        Assert.False(Matches(new StringAttributeCondition(VirtualFields.Name, ["child"], [], Scope: SpanScope.RootSpan), trace));
        Assert.True(Matches(new StringAttributeCondition(VirtualFields.Name, ["root"], [], Scope: SpanScope.RootSpan), trace));
        Assert.False(Matches(new StringAttributeCondition(VirtualFields.Name, ["child"], [], Scope: SpanScope.RootSpan), Trace(Span(2, parent: 1, name: "child"))));
    }

    [Fact]
    public void Numeric_attribute_bounds_are_inclusive_and_optional()
    {
        var trace = Trace(Span(1, attributes: [Int("http.status_code", 500)]));
        Assert.True(Matches(new NumericAttributeCondition("http.status_code", 500, 599), trace));
        Assert.True(Matches(new NumericAttributeCondition("http.status_code", 400, 500), trace));
        Assert.True(Matches(new NumericAttributeCondition("http.status_code", 500, null), trace));
        Assert.False(Matches(new NumericAttributeCondition("http.status_code", null, 499), trace));
        Assert.False(Matches(new NumericAttributeCondition("missing", 0, null), trace));
        Assert.True(Matches(new NumericAttributeCondition(VirtualFields.DurationMs, 1000, null), Trace(Span(1, duration: TimeSpan.FromSeconds(2)))));
    }

    [Fact]
    public void Boolean_attribute_needs_a_real_boolean()
    {
        Assert.True(Matches(new BooleanAttributeCondition("cache.hit", true), Trace(Span(1, attributes: [Bool("cache.hit", true)]))));
        Assert.False(Matches(new BooleanAttributeCondition("cache.hit", true), Trace(Span(1, attributes: [Bool("cache.hit", false)]))));
        Assert.True(Matches(new BooleanAttributeCondition("cache.hit", false), Trace(Span(1, attributes: [Bool("cache.hit", false)]))));
        Assert.False(Matches(new BooleanAttributeCondition("cache.hit", true), Trace(Span(1, attributes: [Str("cache.hit", "true")]))));
    }

    [Fact]
    public void Attribute_exists_checks_presence_only()
    {
        Assert.True(Matches(new AttributeExistsCondition("user.id"), Trace(Span(1), Span(2, parent: 1, attributes: [Str("user.id", "")]))));
        Assert.False(Matches(new AttributeExistsCondition("user.id"), Trace(Span(1))));
    }

    [Fact]
    public void Span_count_bounds_are_inclusive()
    {
        var three = Trace(Span(1), Span(2, parent: 1), Span(3, parent: 1));
        Assert.True(Matches(new SpanCountCondition(3), three));
        Assert.True(Matches(new SpanCountCondition(1, 3), three));
        Assert.False(Matches(new SpanCountCondition(4), three));
        Assert.False(Matches(new SpanCountCondition(0, 2), three));
    }

    [Fact]
    public void Span_kind_matches_in_scope()
    {
        var trace = Trace(Span(1, kind: SpanKind.Server), Span(2, parent: 1, kind: SpanKind.Client));
        Assert.True(Matches(new SpanKindCondition([SpanKind.Client]), trace));
        Assert.False(Matches(new SpanKindCondition([SpanKind.Client], SpanScope.RootSpan), trace));
        Assert.True(Matches(new SpanKindCondition([SpanKind.Server, SpanKind.Consumer], SpanScope.RootSpan), trace));
    }

    [Fact]
    public void Route_globs_keep_single_star_within_a_segment()
    {
        var condition = new RouteCondition(["/static/*"], [], RouteCondition.DefaultKeys);
        Assert.True(Matches(condition, Trace(Span(1, attributes: [Str("url.path", "/static/app.js")]))));
        Assert.False(Matches(condition, Trace(Span(1, attributes: [Str("url.path", "/static/js/app.js")]))));
        Assert.False(Matches(condition, Trace(Span(1, attributes: [Str("url.path", "/api/static/app.js")]))));

        var deep = new RouteCondition(["/static/**", "**/*.{css,png}"], [], RouteCondition.DefaultKeys);
        Assert.True(Matches(deep, Trace(Span(1, attributes: [Str("url.path", "/static/js/app.js")]))));
        Assert.True(Matches(deep, Trace(Span(1, attributes: [Str("url.path", "/img/logo.png")]))));
        Assert.False(Matches(deep, Trace(Span(1, attributes: [Str("url.path", "/img/logo.svg")]))));
    }

    [Fact]
    public void Route_globs_ignore_the_query_string()
    {
        var condition = new RouteCondition(["/health"], [], RouteCondition.DefaultKeys);
        Assert.True(Matches(condition, Trace(Span(1, attributes: [Str("http.target", "/health?probe=k8s")]))));
    }

    [Fact]
    public void Route_is_the_first_key_the_span_has()
    {
        var condition = new RouteCondition(["/users/*"], [], RouteCondition.DefaultKeys);
        // http.route is the template; the concrete path must not be consulted once a route exists.
        var templated = Trace(Span(1, attributes: [Str("http.route", "/users/{id}/orders"), Str("url.path", "/users/42")]));
        Assert.False(Matches(condition, templated));
        Assert.True(Matches(condition, Trace(Span(1, attributes: [Str("url.path", "/users/42")]))));
    }

    [Fact]
    public void Route_patterns_are_regular_expressions()
    {
        var condition = new RouteCondition([], [@"^/v\d+/"], ["http.route"]);
        Assert.True(Matches(condition, Trace(Span(1, attributes: [Str("http.route", "/v2/items")]))));
        Assert.False(Matches(condition, Trace(Span(1, attributes: [Str("http.route", "/vx/items")]))));
    }

    [Fact]
    public void Globs_and_plain_patterns_run_in_linear_time_without_a_wall_clock_timeout()
    {
        // Route globs are our own regex; a timeout on them made a match depend on machine load.
        var glob = RegexMatching.Compile(RouteGlob.ToRegex("**/*.{css,png}"));
        var pattern = RegexMatching.Compile(@"^/v\d+/");

        foreach (var regex in new[] { glob, pattern })
        {
            Assert.True(regex.Options.HasFlag(System.Text.RegularExpressions.RegexOptions.NonBacktracking));
            Assert.Equal(System.Text.RegularExpressions.Regex.InfiniteMatchTimeout, regex.MatchTimeout);
        }
        // The classic catastrophic-backtracking shape is linear here: it answers, no timeout.
        var nested = RegexMatching.Compile("^(a+)+$");
        Assert.False(RegexMatching.IsMatch(nested, new string('a', 5_000) + "!"));
    }

    [Fact]
    public void Patterns_the_linear_engine_refuses_still_work_bounded_by_the_match_timeout()
    {
        var backreference = RegexMatching.Compile(@"^/(\w+)/\1$");
        var lookahead = RegexMatching.Compile(@"^/api/(?!internal)");

        Assert.Equal(RegexMatching.MatchTimeout, backreference.MatchTimeout);
        Assert.Equal(RegexMatching.MatchTimeout, lookahead.MatchTimeout);
        Assert.True(RegexMatching.IsMatch(backreference, "/users/users"));
        Assert.False(RegexMatching.IsMatch(backreference, "/users/orders"));
        Assert.True(RegexMatching.IsMatch(lookahead, "/api/public"));
        Assert.False(RegexMatching.IsMatch(lookahead, "/api/internal"));
    }

    [Fact]
    public void Completion_reason_matches_exactly_or_by_parent()
    {
        var expired = new TraceSnapshot(DefaultId, [Span(1)], "expired/no_root");
        Assert.True(Matches(new CompletionReasonCondition(["expired"]), expired));
        Assert.True(Matches(new CompletionReasonCondition(["expired/no_root"]), expired));
        Assert.False(Matches(new CompletionReasonCondition(["expire"]), expired));
        Assert.False(Matches(new CompletionReasonCondition(["got_root"]), expired));
    }

    [Fact]
    public void All_any_and_not_combine()
    {
        var error = StatusCodeCondition.Error;
        var big = new SpanCountCondition(3);
        var failedSmall = Trace(Span(1, status: SpanStatusCode.Error));

        Assert.False(Matches(new AllCondition([error, big]), failedSmall));
        Assert.True(Matches(new AnyCondition([error, big]), failedSmall));
        Assert.True(Matches(new AllCondition([error, new NotCondition(big)]), failedSmall));
        Assert.True(Matches(new AllCondition([]), failedSmall));
        Assert.False(Matches(new AnyCondition([]), failedSmall));
    }
}
