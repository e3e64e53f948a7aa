using ActorTracing.Domain;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// <see cref="RealisticTraffic"/> written through the production path (SpanRowEncoder batches,
/// EmbeddedSpanStore inserts) into a database of its own, then merged with OPTIMIZE FINAL as the
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

    private StoredTraffic(EmbeddedSpanStore store, IReadOnlyList<KeptTrace> traces, int spans, ulong endUnixNano)
    {
        Store = store;
        Traces = traces;
        SpanCount = spans;
        EndUnixNano = endUnixNano;
    }

    public EmbeddedSpanStore Store { get; }

    public IReadOnlyList<KeptTrace> Traces { get; }

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
        var spans = 0;
        var end = 0UL;
        foreach (var trace in traces)
        {
            foreach (var generated in trace.Scenario.AllSpans())
            {
                var resource = generated.Resource;
                encoder.Append(generated.Span, resource.Attributes, resource.Scope, resource.Region, trace.SamplingReason, trace.SampleRate);
                end = Math.Max(end, generated.Span.StartUnixNano);
                spans++;
            }
            // Whole traces per batch, as the writer batches a decided trace.
            if (encoder.Rows >= BatchSize)
            {
                await store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None).ConfigureAwait(false);
                encoder.Reset();
            }
        }
        await store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None).ConfigureAwait(false);
        engine.Execute($"OPTIMIZE TABLE {schema.QualifiedTracesTable} FINAL");
        return new StoredTraffic(store, traces, spans, end);
    }
}
