using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
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

    /// <summary>An incarnation of the shard on "its own node": a fresh decision cache every time.</summary>
    private IActorRef Start(bool durable)
        => Sys.ActorOf(TraceShardActor.Props("3", Settings(durable), ErrorsOrDrop, new DecisionCache(100, TimeSpan.FromMinutes(5)), _sink, _gauges));

    private TraceQueries.TraceStatus Status(IActorRef actor)
    {
        actor.Tell(new TraceQueries.GetTraceStatus(Trace), TestActor);
        return ExpectMsg<TraceQueries.TraceStatus>();
    }

    private void Append(IActorRef actor, params BufferedSpan[] spans)
    {
        actor.Tell(new TraceCommands.AppendSpans(Trace, spans));
        Status(actor);
    }

    /// <summary>The journal's answer to a lookup arrives asynchronously (real time, not virtual).</summary>
    private void AwaitDecisions(int count) => AwaitCondition(() => _sink.Decided.Count >= count);

    [Fact]
    public void Late_spans_reaching_an_incarnation_on_another_node_follow_the_persisted_decision()
    {
        var first = Start(durable: true);
        Append(first, Span(1, status: SpanStatusCode.Error));
        // The journal answers the first span's lookup (nothing decided yet) in real time.
        AwaitCondition(() => _gauges.TracesBuffered == 1);
        Clock.Advance(TimeSpan.FromSeconds(2));
        AwaitDecisions(1);
        Watch(first);
        // A hand-off stops the shard only once the journal confirmed its decisions.
        first.Tell(TraceCommands.HandOffStop.Instance);
        ExpectTerminated(first);

        var second = Start(durable: true);
        Append(second, Span(7, parent: 1));
        AwaitDecisions(2);

        var late = _sink.Decided.Last();
        Assert.True(late.IsLate);
        Assert.True(late.Decision.Keep);
        Assert.Equal("late/rules/errors", late.Decision.Reason);
        Assert.Equal(1, _gauges.TracesDecided);
        Assert.Equal(0, _gauges.TracesBuffered);
        Assert.Equal(0, _gauges.SpansBuffered);
        // Remembered by the new owner now: the next late span needs no journal read.
        Assert.Equal("rules/errors", Status(second).Decision?.Reason);
    }

    [Fact]
    public void A_hand_off_persists_the_early_decision_so_the_new_owner_follows_it()
    {
        var first = Start(durable: true);
        Watch(first);
        // Handed off while the journal lookup may still be in flight: decided anyway, never lost.
        Append(first, Span(1), Span(2, parent: 1, status: SpanStatusCode.Error));
        first.Tell(TraceCommands.HandOffStop.Instance);
        ExpectTerminated(first);
        Assert.Equal(CompletionReasons.HandOff, Assert.Single(_sink.Decided).CompletionReason);
        Assert.Equal(0, _gauges.TracesBuffered);

        var second = Start(durable: true);
        Append(second, Span(3, parent: 1));
        AwaitDecisions(2);
        Assert.Equal("late/rules/errors", _sink.Decided.Last().Decision.Reason);
        Assert.Equal(1, _gauges.TracesDecided);
    }

    [Fact]
    public void Without_durable_decisions_a_node_that_never_saw_the_trace_decides_it_again()
    {
        // The documented limit of the in-memory default: why deployments turn durability on.
        var first = Start(durable: false);
        Append(first, Span(1, status: SpanStatusCode.Error));
        Clock.Advance(TimeSpan.FromSeconds(2));
        Status(first);
        Sys.Stop(first);

        var second = Start(durable: false);
        Append(second, Span(7));
        Clock.Advance(TimeSpan.FromSeconds(2));
        Status(second);

        Assert.Equal(2, _gauges.TracesDecided);
        Assert.All(_sink.Decided, d => Assert.False(d.IsLate));
    }
}
