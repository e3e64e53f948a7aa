using ActorTracing.Domain;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>
/// The node-wide decision cache as TraceActors use it: every decision adds once, from whichever
/// dispatcher thread runs the actor, into a cache that is full (so every add also evicts).
/// <see cref="Threads"/> = 1 is the uncontended cost; more threads show the contention between
/// actors deciding at the same time. Reported per decision.
/// </summary>
[MemoryDiagnoser]
public class DecisionCacheBenchmarks
{
    private const int Decisions = 200_000;
    private const int Capacity = 50_000;

    private static readonly SamplingDecision Decision = SamplingDecision.Kept("rules/errors", 1);
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddYears(56);

    private TraceId[] _ids = [];

    [Params(1, 4)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _ids = new TraceId[Decisions];
        for (var i = 0; i < _ids.Length; i++)
        {
            _ids[i] = new TraceId((ulong)random.NextInt64(), (ulong)random.NextInt64());
        }
    }

    [Benchmark(OperationsPerInvoke = Decisions)]
    public long AddAndFollow()
    {
        var cache = new DecisionCache(Capacity, TimeSpan.FromMinutes(10));
        var perThread = Decisions / Threads;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            var end = t == Threads - 1 ? Decisions : (t + 1) * perThread;
            for (var i = t * perThread; i < end; i++)
            {
                // Each decision is preceded by the lookup every AppendSpans makes.
                cache.TryGet(_ids[i], Now, out _);
                cache.Add(_ids[i], Decision, Now);
            }
        });
        return cache.Evicted;
    }
}
