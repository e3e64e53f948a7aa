using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace ActorTracing.Benchmarks;

/// <summary>
/// What a trace costs the actor layer, reported per trace: a shard actor taking 2,000 traces (one
/// AppendSpans each) and deciding them all at hand-off, against the floor of the design it
/// replaced — one bare actor per trace (spawn, one message, stop), which is what Akka alone
/// charged per trace before any TraceActor work (it measured 1.8 KB retained / 7 KB allocated).
/// </summary>
[MemoryDiagnoser]
public class TraceShardBenchmarks
{
    private const int Traces = 2_000;

    private ActorSystem _system = null!;
    private IActorRef _parent = null!;
    private TraceCommands.AppendSpans[] _appends = [];
    private Func<Props> _shard = null!;

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
        var factory = TraceShardingHostingExtensions.EntityProps(settings, sampler, cache, sink, gauges);
        _shard = () => factory("0");
        var origin = new SpanOrigin("edge", "iad", [], []);
        _appends = new TraceCommands.AppendSpans[Traces];
        for (var i = 0; i < Traces; i++)
        {
            var id = new TraceId(0xABCD, (ulong)i + 1);
            _appends[i] = new TraceCommands.AppendSpans(id, [new BufferedSpan(id, new SpanId(1), default, 1, 2, "GET /", SpanKind.Server, SpanStatusCode.Unset, origin, new byte[64])]);
        }
        _parent = _system.ActorOf(Props.Create(() => new Driver()), "driver");
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().GetAwaiter().GetResult();

    /// <summary>The old design's floor: an actor per trace that does nothing but live and stop.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Traces)]
    public Task<int> BareActorPerTrace() => _parent.Ask<int>(new Driver.PerTrace(_appends));

    /// <summary>The shard actor: every trace buffered in one actor, all decided at hand-off.</summary>
    [Benchmark(OperationsPerInvoke = Traces)]
    public Task<int> ShardActor() => _parent.Ask<int>(new Driver.OneShard(_shard(), _appends));

    private sealed class Driver : ReceiveActor
    {
        public sealed record PerTrace(TraceCommands.AppendSpans[] Appends);

        public sealed record OneShard(Props Shard, TraceCommands.AppendSpans[] Appends);

        private IActorRef? _replyTo;
        private int _alive;

        public Driver()
        {
            Receive<PerTrace>(run =>
            {
                _replyTo = Sender;
                _alive = run.Appends.Length;
                foreach (var append in run.Appends)
                {
                    var entity = Context.Watch(Context.ActorOf(BareProps));
                    entity.Tell(append);
                    entity.Tell(TraceCommands.HandOffStop.Instance);
                }
            });
            Receive<OneShard>(run =>
            {
                _replyTo = Sender;
                _alive = 1;
                var shard = Context.Watch(Context.ActorOf(run.Shard));
                foreach (var append in run.Appends)
                {
                    shard.Tell(append);
                }
                shard.Tell(TraceCommands.HandOffStop.Instance);
            });
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
        public void OnDecided(in TraceDecided decided)
        {
        }
    }
}
