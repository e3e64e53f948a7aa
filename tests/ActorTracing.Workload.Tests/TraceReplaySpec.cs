using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

/// <summary>
/// Replayed traffic must be what the model would send: the same request shape and span bytes,
/// decodable by the node's own decoder, every trace with its own id, spans, regions and times.
/// </summary>
public sealed class TraceReplaySpec
{
    private const long Ms = 1_000_000;
    private const long Second = 1_000 * Ms;

    private static string FunctionType(TraceCategory category) => category switch
    {
        TraceCategory.Api => "api",
        TraceCategory.Static => "static",
        TraceCategory.EdgeFunction => "edge-function",
        _ => "health",
    };

    /// <summary>Runs a replay schedule on virtual time and returns every batch and every trace's truth, in emission order.</summary>
    private static (List<WorkloadBatch> Batches, List<TraceGroundTruth> Truths, long End) Replay(TraceTemplatePool pool, long seed, double rate, long durationNanos)
    {
        var truths = new List<TraceGroundTruth>();
        var scheduler = new WorkloadScheduler(pool, seed, rate, 100, TimeSpan.FromMilliseconds(200), ManualClock.Epoch, onTrace: truths.Add);
        var batches = new List<WorkloadBatch>();
        for (var t = 0L; t <= durationNanos; t += Ms)
        {
            scheduler.Advance(t, batches);
        }
        scheduler.Flush(durationNanos, batches);
        return (batches, truths, durationNanos);
    }

    [Fact]
    public void A_template_replayed_with_its_own_ids_and_times_is_byte_identical_to_the_models_request()
    {
        var model = new EdgeTrafficModel(5);
        var scenarios = Enumerable.Range(0, 2_000).Select(_ => model.NextTrace(TraceTemplatePool.BaseUnixNano)).ToList();
        var pool = TraceTemplatePool.FromScenarios(scenarios, model.Resources);
        var builders = EdgeTrafficModel.Regions.ToDictionary(r => r, _ => new EncodedBatchBuilder(pool));
        var expected = EdgeTrafficModel.Regions.ToDictionary(r => r, _ => new List<GeneratedSpan>());
        var fragment = 0;
        for (var t = 0; t < scenarios.Count; t++)
        {
            var truth = scenarios[t].Truth;
            // The model's links name the trace generated just before; an identity replay passes the same.
            var previous = t > 0 ? scenarios[t - 1].Truth : truth;
            foreach (var f in scenarios[t].Fragments)
            {
                builders[f.Region].Add(new ReplayFragment(fragment++, truth.TraceId, 0, 0, previous.TraceId, previous.RootSpanId.Value));
                expected[f.Region].AddRange(f.Spans);
            }
        }

        foreach (var region in EdgeTrafficModel.Regions)
        {
            var request = builders[region].BuildPooled();
            var replayed = request.Memory.ToArray();
            request.Release();

            Assert.Equal(OtlpEncoder.EncodeRequest(OtlpBatchBuilder.Group(expected[region])), replayed);
            Assert.True(builders[region].IsEmpty);
        }
        Assert.Contains(expected.Values.SelectMany(s => s), s => s.Span.Links.Count > 0);
        Assert.Contains(expected.Values.SelectMany(s => s), s => s.Span.Events.Count > 0);
    }

    [Fact]
    public void A_sent_request_gives_its_array_back_and_the_next_request_is_written_into_it()
    {
        // The generator's requests are built on one thread and given back on the senders': every
        // array must come back and be reused, or the generator's own GC pauses show up as the
        // node's ack latency (see EncodedBatchBuilder.Requests).
        var model = new EdgeTrafficModel(7);
        var scenarios = Enumerable.Range(0, 50).Select(_ => model.NextTrace(TraceTemplatePool.BaseUnixNano)).ToList();
        var pool = TraceTemplatePool.FromScenarios(scenarios, model.Resources);
        var requests = new SharedBufferPool();
        var builder = new EncodedBatchBuilder(pool, requests);
        byte[]? previous = null;
        for (var round = 0; round < 3; round++)
        {
            for (var f = 0; f < 10; f++)
            {
                builder.Add(new ReplayFragment(f, scenarios[f].Truth.TraceId, 0, 0, scenarios[f].Truth.TraceId, 1));
            }
            var spans = builder.SpanCount;
            var batch = WorkloadBatch.Pooled("iad", builder.BuildPooled(), spans, 0);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(batch.Payload, out var segment));
            if (previous is not null)
            {
                Assert.Same(previous, segment.Array);
            }
            previous = segment.Array;
            Assert.Equal(0, requests.FreeCount);
            batch.ReturnPayload();
            // Given back once, however often the senders' paths call it.
            batch.ReturnPayload();
            Assert.Equal(1, requests.FreeCount);
        }

        // Off the pinned heap: pinned arrays counted against the large/pinned heaps' budget and
        // started the generator's background full collections (7 in a 30 s run at 240k, 1 without).
        Assert.False(EncodedBatchBuilder.Requests.Pinned);
    }

    [Fact]
    public void Replayed_batches_decode_with_the_nodes_decoder_into_unique_traces_matching_their_ground_truth()
    {
        // A small pool replayed for many more traces than it holds: each template comes back many times.
        var pool = TraceTemplatePool.Generate(seed: 3, traces: 300);
        var (batches, truths, end) = Replay(pool, seed: 3, rate: 20_000, durationNanos: 3 * Second);

        Assert.True(truths.Count > 10 * pool.Count);
        Assert.Equal(truths.Count, truths.Select(t => t.TraceId).Distinct().Count());
        var spansByTrace = new Dictionary<TraceId, List<(BufferedSpan Span, WorkloadBatch Batch)>>();
        foreach (var batch in batches)
        {
            Assert.True(batch.IsEncoded);
            var decoded = OtlpTraceDecoder.Decode(batch.Payload, "unknown");
            Assert.Equal(0, decoded.RejectedSpans);
            Assert.Equal(batch.SpanCount, decoded.AcceptedSpans);
            foreach (var trace in decoded.Traces)
            {
                if (!spansByTrace.TryGetValue(trace.TraceId, out var list))
                {
                    spansByTrace[trace.TraceId] = list = [];
                }
                list.AddRange(trace.Spans.Select(s => (s, batch)));
                Assert.All(trace.Spans, s => Assert.Equal(batch.Region, s.Origin.Region));
            }
        }

        Assert.Equal(truths.Count, spansByTrace.Count);
        var windowStart = ManualClock.Epoch - (ulong)(6_100 * Ms);
        var windowEnd = ManualClock.Epoch + (ulong)end + (ulong)(60 * Ms);
        foreach (var truth in truths)
        {
            var spans = spansByTrace[truth.TraceId];
            Assert.Equal(truth.SpanCount, spans.Count);
            Assert.Equal(spans.Count, spans.Select(s => s.Span.SpanId).Distinct().Count());
            var ids = spans.Select(s => s.Span.SpanId).ToHashSet();
            var root = Assert.Single(spans, s => s.Span.IsRoot).Span;
            Assert.Equal(truth.RootSpanId, root.SpanId);
            Assert.Equal(truth.RootRegion, root.Origin.Region);
            Assert.Equal(truth.RootDurationNanos, root.EndUnixNano - root.StartUnixNano);
            Assert.All(spans, s => Assert.True(s.Span.IsRoot || ids.Contains(s.Span.ParentSpanId), "a parent outside its trace"));
            Assert.Equal(truth.Regions.Order(), spans.Select(s => s.Span.Origin.Region).Distinct().Order());
            Assert.Equal(truth.IsError, spans.Any(s => s.Span.Status == SpanStatusCode.Error));
            Assert.All(spans, s =>
            {
                Assert.True(s.Span.TryGetAttribute("function_type", out var type));
                Assert.Equal(FunctionType(truth.Category), type.AsString());
                Assert.InRange(s.Span.StartUnixNano, windowStart, windowEnd);
                Assert.InRange(s.Span.EndUnixNano, s.Span.StartUnixNano, windowEnd);
            });
            if (truth.IsCrossRegion)
            {
                // The remote fragment carries the same trace id and leaves no earlier than its export delay.
                var rootEnd = (long)(root.EndUnixNano - ManualClock.Epoch);
                var remote = spans.Where(s => s.Span.Origin.Region == truth.Regions[1]).ToList();
                Assert.NotEmpty(remote);
                Assert.All(remote, s => Assert.True(s.Batch.IntendedNanos >= Math.Min(rootEnd + (truth.ExportDelay.Ticks * 100), end)));
            }
        }
    }

    [Fact]
    public void Replay_keeps_the_models_mix_of_categories_errors_slow_and_cross_region_traces()
    {
        var pool = TraceTemplatePool.Generate(seed: 8);
        var counters = new WorkloadCounters();
        var scheduler = new WorkloadScheduler(pool, 8, 50_000, 100, TimeSpan.FromMilliseconds(200), ManualClock.Epoch, counters);
        var ready = new List<WorkloadBatch>();
        for (var t = 0L; t <= 4 * Second; t += 10 * Ms)
        {
            scheduler.Advance(t, ready);
        }

        double Share(long count) => count / (double)counters.Traces;
        Assert.True(counters.Traces > 40_000);
        Assert.InRange(Share(counters.TracesOf(TraceCategory.HealthCheck)), 0.024, 0.036);
        Assert.InRange(Share(counters.TracesOf(TraceCategory.Api)), (0.30 * 0.97) - 0.02, (0.30 * 0.97) + 0.02);
        Assert.InRange(Share(counters.TracesOf(TraceCategory.Static)), (0.55 * 0.97) - 0.02, (0.55 * 0.97) + 0.02);
        Assert.InRange(Share(counters.TracesOf(TraceCategory.EdgeFunction)), (0.15 * 0.97) - 0.015, (0.15 * 0.97) + 0.015);
        Assert.InRange(Share(counters.ErrorTraces), 0.011, 0.019);
        Assert.InRange(Share(counters.SlowTraces), 0.007, 0.013);
        Assert.InRange(Share(counters.CrossRegionTraces), 0.088, 0.112);
    }

    [Fact]
    public void A_follows_from_link_names_the_trace_emitted_just_before()
    {
        var pool = TraceTemplatePool.Generate(seed: 4, traces: 500);
        var (batches, truths, _) = Replay(pool, seed: 4, rate: 20_000, durationNanos: 2 * Second);
        var previous = new Dictionary<TraceId, TraceGroundTruth>();
        for (var i = 1; i < truths.Count; i++)
        {
            previous[truths[i].TraceId] = truths[i - 1];
        }

        var links = 0;
        foreach (var span in batches.SelectMany(b => b.ResourceSpans).SelectMany(rs => rs.ScopeSpans).SelectMany(ss => ss.Spans))
        {
            foreach (var link in span.Links)
            {
                var before = previous[span.TraceId];
                Assert.Equal(before.TraceId, link.TraceId);
                Assert.Equal(before.RootSpanId, link.SpanId);
                links++;
            }
        }
        Assert.True(links > 10);
    }

    [Fact]
    public void The_same_seed_replays_the_same_requests_and_another_seed_does_not()
    {
        var pool = TraceTemplatePool.Generate(seed: 6, traces: 200);
        static byte[] Bytes(List<WorkloadBatch> batches) => [.. batches.SelectMany(b => b.Payload.ToArray())];

        var first = Replay(pool, 6, 10_000, Second).Batches;
        var again = Replay(TraceTemplatePool.Generate(seed: 6, traces: 200), 6, 10_000, Second).Batches;
        var other = Replay(pool, 7, 10_000, Second).Batches;

        Assert.Equal(Bytes(first), Bytes(again));
        Assert.NotEqual(Bytes(first), Bytes(other));
    }

    [Fact]
    public void Replayed_span_ids_are_fresh_each_time_a_template_comes_back()
    {
        var pool = TraceTemplatePool.Generate(seed: 2, traces: 50);
        var (batches, truths, _) = Replay(pool, seed: 2, rate: 10_000, durationNanos: Second);

        var spanIds = batches.SelectMany(b => OtlpTraceDecoder.Decode(b.Payload, "unknown").Traces).SelectMany(t => t.Spans).Select(s => s.SpanId).ToList();

        Assert.True(truths.Count > 20 * pool.Count);
        Assert.Equal(spanIds.Count, spanIds.Distinct().Count());
    }
}
