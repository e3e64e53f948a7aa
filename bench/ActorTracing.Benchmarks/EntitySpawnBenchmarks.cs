using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster.Sharding;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>
/// A TraceActor's whole life as a shard drives it — Props from the entity factory, spawn under a
/// parent, one AppendSpans, hand-off stop (decide, publish, stop) — for the two ways of building
/// entity Props: the expression (<see cref="TraceActor.Props"/>) and the producer sharding now uses
/// (<see cref="TraceShardingHostingExtensions.EntityProps"/>). Reported per trace.
/// </summary>
[MemoryDiagnoser]
public class EntitySpawnBenchmarks
{
    private const int Traces = 2_000;

    private ActorSystem _system = null!;
    private IActorRef _parent = null!;
    private string[] _entityIds = [];
    private TraceCommands.AppendSpans[] _appends = [];
    private Func<string, Props> _expression = null!;
    private Func<string, Props> _producer = null!;
    private readonly Func<string, Props> _bare = _ => BareProps;

    private static readonly Props BareProps = Props.Create<Bare>();

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench", "akka.loglevel = WARNING\nakka.log-dead-letters = off");
        var settings = TraceActorSettings.Default;
        var sampler = new TraceSampler(new SamplingRules([], DropAction.Instance));
        var cache = new DecisionCache(100_000, TimeSpan.FromMinutes(10));
        var sink = new NullSink();
        var gauges = new PipelineGauges();
        _expression = id => TraceActor.Props(id, settings, sampler, cache, sink, gauges);
        _producer = TraceShardingHostingExtensions.EntityProps(settings, sampler, cache, sink, gauges);
        var origin = new SpanOrigin("edge", "iad", [], []);
        _appends = new TraceCommands.AppendSpans[Traces];
        _entityIds = new string[Traces];
        for (var i = 0; i < Traces; i++)
        {
            var id = new TraceId(0xABCD, (ulong)i + 1);
            _entityIds[i] = id.ToHex();
            _appends[i] = new TraceCommands.AppendSpans(id, [new BufferedSpan(id, new SpanId(1), default, 1, 2, "GET /", SpanKind.Server, SpanStatusCode.Unset, origin, new byte[64])]);
        }
        _parent = _system.ActorOf(Props.Create(() => new FakeShard()), "shard");
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Traces)]
    public Task<int> ExpressionProps() => _parent.Ask<int>(new FakeShard.Run(_expression, _entityIds, _appends));

    [Benchmark(OperationsPerInvoke = Traces)]
    public Task<int> ProducerProps() => _parent.Ask<int>(new FakeShard.Run(_producer, _entityIds, _appends));

    /// <summary>
    /// The floor: the same life for an actor that only stops itself, i.e. what Akka itself costs
    /// per entity (cell, mailbox, path, watch, stop) before any TraceActor work.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Traces)]
    public Task<int> BareActor() => _parent.Ask<int>(new FakeShard.Run(_bare, _entityIds, _appends));

    /// <summary>Spawns, feeds and stops entities as a shard does, and answers once all have terminated.</summary>
    private sealed class FakeShard : ReceiveActor
    {
        public sealed record Run(Func<string, Props> Factory, string[] EntityIds, TraceCommands.AppendSpans[] Appends);

        private IActorRef? _replyTo;
        private int _alive;

        public FakeShard()
        {
            Receive<Run>(run =>
            {
                _replyTo = Sender;
                _alive = run.EntityIds.Length;
                for (var i = 0; i < run.EntityIds.Length; i++)
                {
                    var entity = Context.Watch(Context.ActorOf(run.Factory(run.EntityIds[i]), run.EntityIds[i]));
                    entity.Tell(run.Appends[i]);
                    entity.Tell(TraceCommands.HandOffStop.Instance);
                }
            });
            Receive<Passivate>(_ => { });
            Receive<Terminated>(_ =>
            {
                if (--_alive == 0)
                {
                    _replyTo!.Tell(_alive);
                }
            });
        }
    }

    private sealed class Bare : ReceiveActor
    {
        public Bare()
        {
            Receive<TraceCommands.AppendSpans>(_ => { });
            Receive<TraceCommands.HandOffStop>(_ => Context.Stop(Self));
        }
    }

    private sealed class NullSink : ITraceOutcomeSink
    {
        public void OnDecided(TraceDecided decided)
        {
        }
    }
}
