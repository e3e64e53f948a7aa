using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

public sealed class EdgeTrafficModelSpec
{
    private const ulong End = ManualClock.Epoch;
    private const long Ms = 1_000_000;

    private static List<TraceScenario> Generate(int traces, long seed = 7)
    {
        var model = new EdgeTrafficModel(seed);
        var result = new List<TraceScenario>(traces);
        for (var i = 0; i < traces; i++)
        {
            result.Add(model.NextTrace(End + ((ulong)i * 1000)));
        }
        return result;
    }

    private static string Attr(IReadOnlyList<KeyValuePair<string, AttributeValue>> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key).Value.AsString();

    [Fact]
    public void The_mix_of_a_seeded_run_is_within_tolerance()
    {
        var traces = Generate(40_000).Select(t => t.Truth).ToList();
        double Share(Func<TraceGroundTruth, bool> f) => traces.Count(f) / (double)traces.Count;

        Assert.InRange(Share(t => t.Category == TraceCategory.HealthCheck), 0.024, 0.036);
        Assert.InRange(Share(t => t.Category == TraceCategory.Api), 0.30 * 0.97 - 0.015, 0.30 * 0.97 + 0.015);
        Assert.InRange(Share(t => t.Category == TraceCategory.Static), 0.55 * 0.97 - 0.015, 0.55 * 0.97 + 0.015);
        Assert.InRange(Share(t => t.Category == TraceCategory.EdgeFunction), 0.15 * 0.97 - 0.01, 0.15 * 0.97 + 0.01);
        Assert.InRange(Share(t => t.IsError), 0.012, 0.018);
        Assert.InRange(Share(t => t.IsSlow), 0.008, 0.012);
        Assert.InRange(Share(t => t.IsCrossRegion), 0.09, 0.11);
    }

    [Fact]
    public void Span_counts_stay_inside_each_categorys_range()
    {
        var byCategory = Generate(10_000).GroupBy(t => t.Truth.Category).ToDictionary(g => g.Key, g => g.Select(t => t.Truth.SpanCount).ToList());

        Assert.Equal(3, byCategory[TraceCategory.Api].Min());
        Assert.Equal(12, byCategory[TraceCategory.Api].Max());
        Assert.Equal(1, byCategory[TraceCategory.Static].Min());
        Assert.Equal(3, byCategory[TraceCategory.Static].Max());
        Assert.Equal(2, byCategory[TraceCategory.EdgeFunction].Min());
        Assert.Equal(8, byCategory[TraceCategory.EdgeFunction].Max());
        Assert.All(byCategory[TraceCategory.HealthCheck], c => Assert.Equal(1, c));
    }

    [Fact]
    public void The_same_seed_generates_the_same_traces_and_another_seed_does_not()
    {
        static byte[] Encode(IEnumerable<TraceScenario> traces) =>
            OtlpEncoder.EncodeRequest(OtlpBatchBuilder.Group(traces.SelectMany(t => t.AllSpans())));

        Assert.Equal(Encode(Generate(500, seed: 3)), Encode(Generate(500, seed: 3)));
        Assert.NotEqual(Encode(Generate(500, seed: 3)), Encode(Generate(500, seed: 4)));
    }

    [Fact]
    public void Every_span_has_valid_ids_and_a_parent_in_its_trace_except_the_root()
    {
        foreach (var trace in Generate(5_000))
        {
            var spans = trace.AllSpans().Select(s => s.Span).ToList();
            Assert.False(trace.Truth.TraceId.IsEmpty);
            Assert.All(spans, s => Assert.Equal(trace.Truth.TraceId, s.TraceId));
            Assert.All(spans, s => Assert.False(s.SpanId.IsEmpty));
            Assert.Equal(spans.Count, spans.Select(s => s.SpanId).Distinct().Count());
            var ids = spans.Select(s => s.SpanId).ToHashSet();
            var roots = spans.Where(s => s.ParentSpanId.IsEmpty).ToList();
            var root = Assert.Single(roots);
            Assert.Equal(trace.Truth.RootSpanId, root.SpanId);
            Assert.All(spans.Where(s => !s.ParentSpanId.IsEmpty), s => Assert.Contains(s.ParentSpanId, ids));
            Assert.All(spans, s => Assert.True(s.EndUnixNano >= s.StartUnixNano));
        }
    }

    [Fact]
    public void Ground_truth_matches_the_generated_spans()
    {
        foreach (var trace in Generate(10_000))
        {
            var truth = trace.Truth;
            var spans = trace.AllSpans().ToList();
            var root = spans.Single(s => s.Span.ParentSpanId.IsEmpty);

            Assert.Equal(truth.SpanCount, spans.Count);
            Assert.Equal(truth.RootRegion, root.Resource.Region);
            Assert.Equal(truth.Regions.OrderBy(r => r), spans.Select(s => s.Resource.Region).Distinct().OrderBy(r => r));
            Assert.Equal(truth.IsError, spans.Any(s => s.Span.StatusCode == SpanStatusCode.Error));
            Assert.Equal(truth.IsError, spans.Any(s => s.Span.Events.Any(e => e.Name == "exception")));
            Assert.Equal(truth.RootDurationNanos, root.Span.EndUnixNano - root.Span.StartUnixNano);
            Assert.Equal(truth.IsSlow, truth.RootDurationNanos > (ulong)(2_000 * Ms));
            var expectedType = truth.Category switch
            {
                TraceCategory.Api => "api",
                TraceCategory.Static => "static",
                TraceCategory.EdgeFunction => "edge-function",
                _ => "health",
            };
            Assert.All(spans, s => Assert.Equal(expectedType, Attr(s.Span.Attributes, "function_type")));
        }
    }

    [Fact]
    public void Spans_carry_the_attributes_sampling_rules_and_storage_read()
    {
        var traces = Generate(5_000);
        foreach (var trace in traces)
        {
            var root = trace.AllSpans().Single(s => s.Span.ParentSpanId.IsEmpty);
            Assert.Equal(SpanKind.Server, root.Span.Kind);
            Assert.Equal(root.Resource.Region, Attr(root.Resource.Attributes, "cloud.region"));
            Assert.Equal(root.Resource.ServiceName, Attr(root.Resource.Attributes, "service.name"));
            var status = root.Span.Attributes.Single(a => a.Key == "http.response.status_code").Value;
            Assert.Equal(AttributeKind.Int, status.Kind);
            Assert.False(string.IsNullOrEmpty(Attr(root.Span.Attributes, "http.request.method")));
            Assert.False(string.IsNullOrEmpty(Attr(root.Span.Attributes, "user_agent.original")));
            switch (trace.Truth.Category)
            {
                case TraceCategory.HealthCheck:
                    Assert.Equal("/healthz", Attr(root.Span.Attributes, "http.route"));
                    break;
                case TraceCategory.Static:
                    Assert.Matches(@"^/assets/.+\.(js|css|png)$", Attr(root.Span.Attributes, "url.path"));
                    break;
                case TraceCategory.Api:
                    Assert.StartsWith("/api/v1/", Attr(root.Span.Attributes, "http.route"));
                    break;
            }
            if (trace.Truth.IsError)
            {
                Assert.InRange(status.Int, 500, 599);
            }
        }
        var all = traces.SelectMany(t => t.AllSpans()).Select(s => s.Span).ToList();
        Assert.Contains(all, s => s.Links.Count > 0);
        Assert.Contains(all, s => s.Kind == SpanKind.Client && Attr(s.Attributes, "db.system.name") == "postgresql");
    }

    [Fact]
    public void Cross_region_traces_are_exported_by_two_regions_with_bounded_skew_and_delay()
    {
        var cross = Generate(20_000).Where(t => t.Truth.IsCrossRegion).ToList();
        Assert.NotEmpty(cross);
        var childBeforeParent = 0;
        foreach (var trace in cross)
        {
            Assert.Equal(2, trace.Fragments.Count);
            var (local, remote) = (trace.Fragments[0], trace.Fragments[1]);
            Assert.NotEqual(local.Region, remote.Region);
            Assert.Equal(TimeSpan.Zero, local.ExportDelay);
            Assert.InRange(remote.ExportDelay, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500));
            Assert.InRange(remote.ClockOffsetNanos, -50 * Ms, 50 * Ms);
            Assert.Equal(remote.ClockOffsetNanos, trace.Truth.ClockOffsetNanos);
            Assert.Equal(remote.ExportDelay, trace.Truth.ExportDelay);
            Assert.All(local.Spans, s => Assert.Equal(local.Region, Attr(s.Resource.Attributes, "cloud.region")));
            Assert.All(remote.Spans, s => Assert.Equal(remote.Region, Attr(s.Resource.Attributes, "cloud.region")));

            // The remote subtree's root hangs off a local span; without the offset it nests inside it.
            var localById = local.Spans.ToDictionary(s => s.Span.SpanId, s => s.Span);
            var remoteRoot = Assert.Single(remote.Spans, s => localById.ContainsKey(s.Span.ParentSpanId)).Span;
            var parent = localById[remoteRoot.ParentSpanId];
            var unskewedStart = (ulong)((long)remoteRoot.StartUnixNano - remote.ClockOffsetNanos);
            Assert.InRange(unskewedStart, parent.StartUnixNano, parent.EndUnixNano);
            if (remoteRoot.StartUnixNano < parent.StartUnixNano)
            {
                childBeforeParent++;
            }
        }
        Assert.InRange(childBeforeParent, 1, cross.Count - 1);
    }

    [Fact]
    public void A_batch_of_generated_traces_decodes_back_with_every_span_and_its_region()
    {
        var traces = Generate(300);
        var resourceSpans = OtlpBatchBuilder.Group(traces.SelectMany(t => t.AllSpans()));

        var decoded = OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest(resourceSpans), "unknown");

        Assert.Equal(0, decoded.RejectedSpans);
        Assert.Equal(traces.Sum(t => t.Truth.SpanCount), decoded.AcceptedSpans);
        var regionsBySpan = traces.SelectMany(t => t.AllSpans()).ToDictionary(s => s.Span.SpanId, s => s.Resource.Region);
        Assert.All(decoded.Traces.SelectMany(t => t.Spans), s => Assert.Equal(regionsBySpan[s.SpanId], s.Origin.Region));
    }

    [Fact]
    public void Out_of_range_options_are_refused_naming_the_option()
    {
        var ex = Assert.Throws<ArgumentException>(() => new EdgeTrafficModel(1, new EdgeTrafficOptions { ErrorRate = 2 }));
        Assert.Contains("ErrorRate", ex.Message, StringComparison.Ordinal);
    }
}
