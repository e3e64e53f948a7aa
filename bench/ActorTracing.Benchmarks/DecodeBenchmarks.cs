using ActorTracing.Domain.Otlp;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>Ingest decode: ExportTraceServiceRequest bytes → per-trace BufferedSpans. Reported per span.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private byte[][] _requests = [];

    [GlobalSetup]
    public void Setup() => _requests = [.. BenchmarkData.Payloads.Requests];

    [Benchmark(OperationsPerInvoke = BenchmarkData.Spans)]
    public int DecodeRequests()
    {
        var spans = 0;
        foreach (var request in _requests)
        {
            spans += OtlpTraceDecoder.Decode(request, "iad").AcceptedSpans;
        }
        return spans;
    }
}
