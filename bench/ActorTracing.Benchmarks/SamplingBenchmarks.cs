using ActorTracing.Actors.Sampling;
using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Sampling;
using ActorTracing.Node.Configuration;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>One sampling decision per trace with the shipped rules (hocon/sampling-rules.conf). Reported per trace.</summary>
[MemoryDiagnoser]
public class SamplingBenchmarks
{
    private TraceSnapshot[] _traces = [];
    private TraceSampler _sampler = null!;
    private readonly DateTimeOffset _now = DateTimeOffset.UnixEpoch.AddYears(56);

    [GlobalSetup]
    public void Setup()
    {
        _traces = BenchmarkData.Traces().Select(t => new TraceSnapshot(t.Id, t.Spans, CompletionReasons.GotRoot)).ToArray();
        _sampler = new TraceSampler(SamplingRulesConfig.Parse(HoconDefaults.Load()));
    }

    [Benchmark]
    public int DecideAllTraces()
    {
        var kept = 0;
        foreach (var trace in _traces)
        {
            kept += _sampler.Decide(trace, _now).Keep ? 1 : 0;
        }
        return kept;
    }

    [Benchmark]
    public int BufferAndCheckCompletion()
    {
        var complete = 0;
        foreach (var trace in _traces)
        {
            var buffer = new TraceBuffer(trace.TraceId);
            buffer.Add(trace.Spans, _now);
            complete += buffer.CountMissingParents() == 0 ? 1 : 0;
        }
        return complete;
    }
}
