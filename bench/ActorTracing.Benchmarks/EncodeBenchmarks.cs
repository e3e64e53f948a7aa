using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;
using ActorTracing.Storage;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>
/// The two encoders on the hot path: kept spans → RowBinary rows (storage; decodes each span's raw
/// bytes) and generated spans → OTLP requests (the load generator). Reported per span.
/// </summary>
[MemoryDiagnoser]
public class EncodeBenchmarks
{
    private StoredSpan[] _stored = [];
    private IReadOnlyList<ResourceSpansDetail>[] _batches = [];
    private readonly SpanRowEncoder _rows = new(16 * 1024 * 1024);
    private readonly ProtoWriter _otlp = new(1024 * 1024);

    [GlobalSetup]
    public void Setup()
    {
        _stored = BenchmarkData.Traces().SelectMany(t => t.Spans).Take(BenchmarkData.Spans).Select(s => new StoredSpan(s, "rules/errors", 1)).ToArray();
        _batches = BenchmarkData.Payloads.Resources.Chunk(8).Select(c => (IReadOnlyList<ResourceSpansDetail>)c).ToArray();
    }

    [Benchmark(OperationsPerInvoke = BenchmarkData.Spans)]
    public int EncodeRows()
    {
        // Batches of the storage default size, as the writer encodes them.
        var rows = 0;
        for (var start = 0; start < _stored.Length; start += StorageSettings.DefaultBatchSize)
        {
            _rows.Reset();
            var end = Math.Min(_stored.Length, start + StorageSettings.DefaultBatchSize);
            for (var i = start; i < end; i++)
            {
                _rows.Append(_stored[i]);
            }
            rows += _rows.Rows;
        }
        return rows;
    }

    [Benchmark(OperationsPerInvoke = BenchmarkData.Spans)]
    public int EncodeOtlpRequests()
    {
        var bytes = 0;
        foreach (var batch in _batches)
        {
            bytes += OtlpEncoder.EncodeRequest(batch, _otlp);
        }
        return bytes;
    }
}
