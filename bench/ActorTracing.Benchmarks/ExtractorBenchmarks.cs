using System.Globalization;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Protocol.Traces;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>
/// The shard id sharding computes for every trace message: formatting the shard number per call
/// (the former extractor) against the extractor's table of shard id strings. Reported per message.
/// </summary>
[MemoryDiagnoser]
public class ExtractorBenchmarks
{
    private const int Messages = 10_000;
    private const int Shards = 100;

    private readonly TraceMessageExtractor _extractor = new(Shards);
    private TraceQueries.GetTraceStatus[] _messages = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _messages = new TraceQueries.GetTraceStatus[Messages];
        for (var i = 0; i < Messages; i++)
        {
            _messages[i] = new TraceQueries.GetTraceStatus(new TraceId((ulong)random.NextInt64(), (ulong)random.NextInt64()));
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public int FormatShardId()
    {
        var length = 0;
        foreach (var m in _messages)
        {
            length += ((int)(m.TraceId.StableHash() % Shards)).ToString(CultureInfo.InvariantCulture).Length;
        }
        return length;
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public int ExtractorShardId()
    {
        var length = 0;
        foreach (var m in _messages)
        {
            length += _extractor.ShardId(m).Length;
        }
        return length;
    }
}
