using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;

namespace ActorTracing.Bench;

/// <summary>
/// Export requests of the demo's traffic model, generated on virtual time and encoded once: the
/// same kind of payload the load generator sends, for the in-run physical limits (decode-only,
/// raw insert) and the micro-benchmarks.
/// </summary>
public sealed class PayloadSet
{
    private PayloadSet(IReadOnlyList<byte[]> requests, IReadOnlyList<ResourceSpansDetail> resources, long spans)
    {
        Requests = requests;
        Resources = resources;
        Spans = spans;
    }

    /// <summary>Encoded ExportTraceServiceRequests.</summary>
    public IReadOnlyList<byte[]> Requests { get; }

    /// <summary>The same spans, decoded, grouped as they were exported.</summary>
    public IReadOnlyList<ResourceSpansDetail> Resources { get; }

    public long Spans { get; }

    public long Bytes => Requests.Sum(r => (long)r.Length);

    public static PayloadSet Generate(long seed, int approximateSpans, double spansPerSecond = 50_000)
    {
        var scheduler = new WorkloadScheduler(new EdgeTrafficModel(seed), spansPerSecond, WorkloadOptions.DefaultBatchSpans, TimeSpan.FromMilliseconds(200), 1_700_000_000_000_000_000UL);
        var batches = new List<WorkloadBatch>();
        var stepNanos = 10_000_000L;
        long now = 0;
        while (batches.Sum(b => (long)b.SpanCount) < approximateSpans)
        {
            now += stepNanos;
            scheduler.Advance(now, batches);
        }
        scheduler.Flush(now, batches);
        var requests = batches.Select(b => OtlpEncoder.EncodeRequest(b.ResourceSpans)).ToArray();
        var resources = batches.SelectMany(b => b.ResourceSpans).ToArray();
        return new PayloadSet(requests, resources, batches.Sum(b => (long)b.SpanCount));
    }

    /// <summary>Every span with its resource attributes, scope and region, in export order (for the row encoder).</summary>
    public IEnumerable<(SpanDetail Span, IReadOnlyList<KeyValuePair<string, AttributeValue>> Resource, ScopeDetail Scope, string Region)> AllSpans()
    {
        foreach (var resource in Resources)
        {
            var region = resource.ResourceAttributes.FirstOrDefault(a => a.Key == OtlpTraceDecoder.CloudRegionKey).Value.AsString() ?? string.Empty;
            foreach (var scope in resource.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    yield return (span, resource.ResourceAttributes, scope.Scope, region);
                }
            }
        }
    }
}
