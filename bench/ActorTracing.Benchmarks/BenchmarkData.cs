using ActorTracing.Bench;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Benchmarks;

/// <summary>
/// The payloads every micro-benchmark shares: the demo's traffic model encoded as export requests,
/// and the same requests decoded into per-trace snapshots as the trace actors would hold them.
/// </summary>
internal static class BenchmarkData
{
    public const int Spans = 20_000;

    private static readonly Lazy<PayloadSet> PayloadsValue = new(() => PayloadSet.Generate(42, Spans));

    public static PayloadSet Payloads => PayloadsValue.Value;

    /// <summary>Every trace's spans across all requests (cross-region fragments joined), in first-seen order.</summary>
    public static IReadOnlyList<(TraceId Id, List<BufferedSpan> Spans)> Traces()
    {
        var traces = new Dictionary<TraceId, List<BufferedSpan>>();
        var order = new List<TraceId>();
        foreach (var request in Payloads.Requests)
        {
            foreach (var trace in OtlpTraceDecoder.Decode(request, "iad").Traces)
            {
                if (!traces.TryGetValue(trace.TraceId, out var spans))
                {
                    traces[trace.TraceId] = spans = [];
                    order.Add(trace.TraceId);
                }
                spans.AddRange(trace.Spans);
            }
        }
        return order.Select(id => (id, traces[id])).ToArray();
    }
}
