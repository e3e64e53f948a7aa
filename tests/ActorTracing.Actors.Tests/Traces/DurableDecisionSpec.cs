using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Actors.Tests.Traces;

/// <summary>
/// Durable decisions through Akka.Persistence (the in-memory journal here; the Redis journal has
/// its own conformance suite). "Another node" is an incarnation with its own, empty decision
/// cache: only the journal can tell it that the trace was decided.
/// </summary>
public sealed class DurableDecisionSpec : TestKit
{
    private const string Hocon = """
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.no-snapshot-store"
        """;

    private static readonly TraceId Trace = new(0xD0, 0xD1);

    private static readonly TraceSampler ErrorsOrDrop = new(new SamplingRules(
        [new SamplingRule("errors", StatusCodeCondition.Error, KeepAction.All)],
        DropAction.Instance));

    private readonly RecordingSink _sink = new();
    private readonly PipelineGauges _gauges = new();

    public DurableDecisionSpec()
        : base(Hocon)
    {
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    private static TraceActorSettings Settings(bool durable) => TraceActorSettings.Default with
    {
        Completion = new CompletionSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 50, 1_000_000),
        DurableDecisions = durable,
    };

    private static BufferedSpan Span(ulong id, ulong parent = 0, SpanStatusCode status = SpanStatusCode.Unset)
        => new(Trace, new SpanId(id), new SpanId(parent), 1_000, 5_000, "GET /", SpanKind.Server, status, new SpanOrigin("edge", "iad", [], []), new byte[64]);

    /// <summary>An incarnation on "its own node": a fresh decision cache every time.</summary>
    private (IActorRef Actor, TestProbe Shard) Start(bool durable)
    {
        var shard = CreateTestProbe();
        var cache = new DecisionCache(100, TimeSpan.FromMinutes(5));
        var actor = shard.ChildActorOf(TraceActor.Props(Trace.ToHex(), Settings(durable), ErrorsOrDrop, cache, _sink, _gauges));
        return (actor, shard);
    }

    private void Append(IActorRef actor, params BufferedSpan[] spans)
    {
        actor.Tell(new TraceCommands.AppendSpans(Trace, spans));
        actor.Tell(new TraceQueries.GetTraceStatus(Trace), TestActor);
        ExpectMsg<TraceQueries.TraceStatus>();
    }

    [Fact]
    public void Late_spans_reaching_an_incarnation_on_another_node_follow_the_persisted_decision()
    {
        var (first, shard) = Start(durable: true);
        Append(first, Span(1, status: SpanStatusCode.Error));
        Clock.Advance(TimeSpan.FromSeconds(2));
        // Passivation waits for the journal's confirmation, so the event is written by now.
        shard.ExpectMsg<Passivate>();
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        var (second, _) = Start(durable: true);
        Append(second, Span(7, parent: 1));

        Assert.Equal(2, _sink.Decided.Count);
        var late = _sink.Decided.Last();
        Assert.True(late.IsLate);
        Assert.True(late.Decision.Keep);
        Assert.Equal("late/rules/errors", late.Decision.Reason);
        Assert.Equal(1, _gauges.TracesDecided);
        second.Tell(new TraceQueries.GetTraceStatus(Trace));
        Assert.Equal("late", ExpectMsg<TraceQueries.TraceStatus>().CompletionReason);
    }

    [Fact]
    public void A_hand_off_persists_the_early_decision_so_the_new_owner_follows_it()
    {
        var (first, _) = Start(durable: true);
        Watch(first);
        Append(first, Span(1), Span(2, parent: 1, status: SpanStatusCode.Error));
        first.Tell(TraceCommands.HandOffStop.Instance);
        ExpectTerminated(first);
        Assert.Equal(CompletionReasons.HandOff, Assert.Single(_sink.Decided).CompletionReason);

        var (second, _) = Start(durable: true);
        AwaitAssert(() =>
        {
            // The write was sent before the stop; the journal completes it on its own.
            second.Tell(new TraceQueries.GetTraceStatus(Trace));
            Assert.NotNull(ExpectMsg<TraceQueries.TraceStatus>().Decision);
        });
        Append(second, Span(3, parent: 1));
        Assert.Equal("late/rules/errors", _sink.Decided.Last().Decision.Reason);
    }

    [Fact]
    public void Without_durable_decisions_a_node_that_never_saw_the_trace_decides_it_again()
    {
        // The documented limit of the in-memory default: why deployments turn durability on.
        var (first, shard) = Start(durable: false);
        Append(first, Span(1, status: SpanStatusCode.Error));
        Clock.Advance(TimeSpan.FromSeconds(2));
        shard.ExpectMsg<Passivate>();
        Sys.Stop(first);

        var (second, secondShard) = Start(durable: false);
        Append(second, Span(7));
        Clock.Advance(TimeSpan.FromSeconds(2));
        secondShard.ExpectMsg<Passivate>();

        Assert.Equal(2, _gauges.TracesDecided);
        Assert.All(_sink.Decided, d => Assert.False(d.IsLate));
    }
}
