using ActorTracing.Workload;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>
/// The load generator's producer: the edge traffic model generating spans on virtual time and
/// batching them into requests (encoding is <see cref="EncodeBenchmarks.EncodeOtlpRequests"/>).
/// Its CPU is taken from the node under test when both share a machine. Reported per span.
/// </summary>
[MemoryDiagnoser]
public class WorkloadBenchmarks
{
    private const int Spans = 20_000;

    [Benchmark(OperationsPerInvoke = Spans)]
    public int GenerateSpans()
    {
        var scheduler = new WorkloadScheduler(new EdgeTrafficModel(42), 50_000, WorkloadOptions.DefaultBatchSpans, TimeSpan.FromMilliseconds(200), 1_700_000_000_000_000_000UL);
        var batches = new List<WorkloadBatch>();
        var spans = 0;
        long now = 0;
        while (spans < Spans)
        {
            now += 10_000_000;
            batches.Clear();
            scheduler.Advance(now, batches);
            foreach (var batch in batches)
            {
                spans += batch.SpanCount;
            }
        }
        return spans;
    }
}
