using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Stitching;
using ActorTracing.Workload;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// <see cref="RealisticTraffic"/> written through the production path (SpanRowEncoder and
/// TraceSummaryRowEncoder batches, EmbeddedSpanStore inserts) into a database of its own: every
/// kept trace's spans with its decision's completion reason and, unless the span rows rebuild it
/// (the writer's rule, <see cref="DerivableSummaries"/>), its summary row, stitched by the trace
/// shard's own <see cref="TraceStitcher"/>. Then every table is merged with OPTIMIZE FINAL, as the
/// benchmark does before it measures. Built once per test process: generating, inserting and
/// merging 120,000 spans takes seconds, and the specs that use it only read.
/// </summary>
internal sealed class StoredTraffic
{
    /// <summary>Kept spans written: the order of the benchmark's runs (30,000 to 140,000 stored spans).</summary>
    public const int Spans = 120_000;

    /// <summary>
    /// The storage writer's default batch-size (hocon/storage.conf): each batch is one insert and
    /// one part, as on a node under load.
    /// </summary>
    public const int BatchSize = 10_000;

    /// <summary>
    /// 2026-01-15 10:01:00 UTC: a fixed start keeps the data, and so the measured size, the same
    /// on every run. The tables are created without TTL because this date falls behind any TTL.
    /// </summary>
    public const ulong StartUnixNano = 1_768_471_260_000_000_000;

    /// <summary>Spans per second the traces are generated at, before sampling: the benchmark's first load step.</summary>
    public const double GeneratedSpansPerSecond = 25_000;

    private static readonly object Gate = new();
    private static Task<StoredTraffic>? _instance;

    private StoredTraffic(EmbeddedSpanStore store, IReadOnlyList<KeptTrace> traces, IReadOnlyList<StoredTraceSummary> summaries, int summaryRows, int spans, ulong endUnixNano)
    {
        Store = store;
        Traces = traces;
        Summaries = summaries;
        SummaryRows = summaryRows;
        SpanCount = spans;
        EndUnixNano = endUnixNano;
    }

    public EmbeddedSpanStore Store { get; }

    public IReadOnlyList<KeptTrace> Traces { get; }

    /// <summary>Each kept trace's summary as enqueued at its decision, in trace order.</summary>
    public IReadOnlyList<StoredTraceSummary> Summaries { get; }

    /// <summary>How many of <see cref="Summaries"/> got an otel_trace_summaries row (the rest are rebuilt from span rows).</summary>
    public int SummaryRows { get; }

    public int SpanCount { get; }

    /// <summary>The latest span start written.</summary>
    public ulong EndUnixNano { get; }

    public static Task<StoredTraffic> GetAsync(ChdbEngine engine)
    {
        lock (Gate)
        {
            return _instance ??= Task.Run(() => CreateAsync(engine));
        }
    }

    private static async Task<StoredTraffic> CreateAsync(ChdbEngine engine)
    {
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("size"), ttlDays: 0);
        schema.Apply(engine);
        var store = new EmbeddedSpanStore(engine, schema);
        var traces = RealisticTraffic.Generate(Spans, seeds: 4, StartUnixNano, GeneratedSpansPerSecond);

        var encoder = new SpanRowEncoder();
        var summaries = new TraceSummaryRowEncoder();
        var spans = 0;
        var end = 0UL;
        var decided = new List<StoredTraceSummary>(traces.Count);
        var summaryRows = 0;
        foreach (var trace in traces)
        {
            var (summary, buffered) = Decide(trace);
            decided.Add(summary);
            foreach (var generated in trace.Scenario.AllSpans())
            {
                var resource = generated.Resource;
                encoder.Append(generated.Span, resource.Attributes, resource.Scope, resource.Region, trace.SamplingReason, trace.SampleRate, summary.CompletionReason);
                end = Math.Max(end, generated.Span.StartUnixNano);
                spans++;
            }
            if (!DerivableSummaries.IsDerivable(summary, buffered))
            {
                summaries.Append(summary);
                summaryRows++;
            }
            // Whole traces per batch, and a batch's summaries written after its spans, as the writer does.
            if (encoder.Rows >= BatchSize)
            {
                await WriteAsync(store, encoder, summaries).ConfigureAwait(false);
            }
        }
        await WriteAsync(store, encoder, summaries).ConfigureAwait(false);
        store.MergeAllTables();
        return new StoredTraffic(store, traces, decided, summaryRows, spans, end);
    }

    private static async Task WriteAsync(EmbeddedSpanStore store, SpanRowEncoder spans, TraceSummaryRowEncoder summaries)
    {
        await store.WriteAsync(spans.Written, spans.Rows, CancellationToken.None).ConfigureAwait(false);
        await store.WriteSummariesAsync(summaries.Written, summaries.Rows, CancellationToken.None).ConfigureAwait(false);
        spans.Reset();
        summaries.Reset();
    }

    /// <summary>
    /// The summary the trace shard stores for a kept trace, and its spans as the writer gets them:
    /// buffered as they arrive (each region's fragment after its export delay) and stitched at the
    /// decision. Every generated trace has its root, so each is complete as "got_root"; none is in
    /// a correlation group.
    /// </summary>
    private static (StoredTraceSummary Summary, List<StoredSpan> Spans) Decide(KeptTrace trace)
    {
        var scenario = trace.Scenario;
        var buffer = new TraceBuffer(scenario.Truth.TraceId);
        var firstArrival = DateTimeOffset.UnixEpoch.AddTicks((long)(scenario.AllSpans().Min(s => s.Span.EndUnixNano) / 100));
        foreach (var fragment in scenario.Fragments.OrderBy(f => f.ExportDelay))
        {
            var arrived = fragment.Spans.Select(g => new BufferedSpan(
                g.Span.TraceId, g.Span.SpanId, g.Span.ParentSpanId, g.Span.StartUnixNano, g.Span.EndUnixNano, g.Span.Name, g.Span.Kind, g.Span.StatusCode,
                new SpanOrigin(g.Resource.ServiceName, g.Resource.Region, [], []), ReadOnlyMemory<byte>.Empty)).ToList();
            buffer.Add(arrived, firstArrival + fragment.ExportDelay);
        }
        var stitch = TraceStitcher.Stitch(buffer);
        var spans = buffer.Spans.Select(s => new StoredSpan(s, trace.SamplingReason, trace.SampleRate)).ToList();
        buffer.Release();
        return (new StoredTraceSummary(scenario.Truth.TraceId, stitch, CompletionReasons.GotRoot, trace.SamplingReason, trace.SampleRate), spans);
    }
}
