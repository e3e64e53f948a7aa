using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;
using ActorTracing.Workload;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>
/// The load generator's producer, per span, up to request bytes ready to send: the edge traffic
/// model generating, batching and encoding every trace, against replaying templates of it
/// (<see cref="TraceTemplatePool"/>, the generator's default), both on virtual time. Its CPU is
/// taken from the node under test when both share a machine. The sending itself (syscalls, loopback
/// TCP, ~0.8 µs per span of 37 KB requests on the 2-core bench machine) is not in here.
/// </summary>
[MemoryDiagnoser]
public class WorkloadBenchmarks
{
    private const int Spans = 20_000;
    private const ulong Epoch = 1_700_000_000_000_000_000UL;

    private readonly ProtoWriter _writer = new(64 * 1024);
    private TraceTemplatePool _templates = null!;

    [GlobalSetup]
    public void Setup() => _templates = TraceTemplatePool.Generate(42);

    [Benchmark(Baseline = true, OperationsPerInvoke = Spans)]
    public long ModelGenerateAndEncode() =>
        Run(new WorkloadScheduler(new EdgeTrafficModel(42), 50_000, WorkloadOptions.DefaultBatchSpans, TimeSpan.FromMilliseconds(200), Epoch));

    [Benchmark(OperationsPerInvoke = Spans)]
    public long ReplayTemplates() =>
        Run(new WorkloadScheduler(_templates, 42, 50_000, WorkloadOptions.DefaultBatchSpans, TimeSpan.FromMilliseconds(200), Epoch));

    private long Run(WorkloadScheduler scheduler)
    {
        var batches = new List<WorkloadBatch>();
        var spans = 0;
        var bytes = 0L;
        long now = 0;
        while (spans < Spans)
        {
            now += 10_000_000;
            batches.Clear();
            scheduler.Advance(now, batches);
            foreach (var batch in batches)
            {
                spans += batch.SpanCount;
                bytes += batch.IsEncoded ? batch.Payload.Length : OtlpEncoder.EncodeRequest(batch.ResourceSpans, _writer);
            }
        }
        return bytes;
    }
}
