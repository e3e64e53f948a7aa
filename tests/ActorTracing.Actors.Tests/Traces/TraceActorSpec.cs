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
/// The TraceActor under virtual time: the TestScheduler replaces the clock and the timers, so
/// "send-delay passed" is a call to Advance, not a sleep.
/// </summary>
public sealed class TraceActorSpec : TestKit
{
    private const string Hocon = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";
    private static readonly TraceId Trace = new(0xAAAA, 0xBBBB);

    private readonly RecordingSink _sink = new();
    private readonly PipelineGauges _gauges = new();
    private readonly DecisionCache _cache = new(100, TimeSpan.FromMinutes(5));
    private readonly TraceActorSettings _settings = TraceActorSettings.Default with
    {
        Completion = new CompletionSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 50, 1_000_000),
    };

    public TraceActorSpec()
        : base(Hocon)
    {
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    private static readonly TraceSampler ErrorsOrDrop = new(new SamplingRules(
        [new SamplingRule("errors", StatusCodeCondition.Error, KeepAction.All)],
        DropAction.Instance));

    private static BufferedSpan Span(ulong id, ulong parent = 0, SpanStatusCode status = SpanStatusCode.Unset)
        => new(Trace, new SpanId(id), new SpanId(parent), 1_000, 5_000, "GET /", SpanKind.Server, status, new SpanOrigin("edge", "iad", [], []), new byte[64]);

    /// <summary>The actor as a child of a probe, which stands in for the shard and sees Passivate.</summary>
    private (IActorRef Actor, TestProbe Shard) Start()
    {
        var shard = CreateTestProbe();
        var actor = shard.ChildActorOf(TraceActor.Props(Trace.ToHex(), _settings, ErrorsOrDrop, _cache, _sink, _gauges));
        return (actor, shard);
    }

    private void Append(IActorRef actor, params BufferedSpan[] spans)
    {
        actor.Tell(new TraceCommands.AppendSpans(Trace, spans));
        // A query behind the append in the same mailbox: once it answers, the append (and the
        // timer it started) happened, so advancing virtual time cannot race it.
        actor.Tell(new TraceQueries.GetTraceStatus(Trace), TestActor);
        ExpectMsg<TraceQueries.TraceStatus>();
    }

    [Fact]
    public void A_trace_is_decided_once_send_delay_after_its_last_span()
    {
        var (actor, shard) = Start();
        Append(actor, Span(1), Span(2, parent: 1, status: SpanStatusCode.Error));

        Clock.Advance(TimeSpan.FromSeconds(1.9));
        actor.Tell(new TraceQueries.GetTraceStatus(Trace));
        Assert.Null(ExpectMsg<TraceQueries.TraceStatus>().Decision);
        Assert.Empty(_sink.Decided);

        Clock.Advance(TimeSpan.FromSeconds(0.2));
        shard.ExpectMsg<Passivate>();
        var decided = Assert.Single(_sink.Decided);
        Assert.True(decided.Decision.Keep);
        Assert.Equal("rules/errors", decided.Decision.Reason);
        Assert.Equal(CompletionReasons.GotRoot, decided.CompletionReason);
        Assert.Equal(2, decided.Spans.Count);
        Assert.Equal(0, _gauges.SpansBuffered);
        Assert.Equal(1, _gauges.TracesDecided);
    }

    [Fact]
    public void Late_spans_follow_the_decision_even_in_a_new_incarnation()
    {
        var (first, shard) = Start();
        Append(first, Span(1, status: SpanStatusCode.Error));
        Clock.Advance(TimeSpan.FromSeconds(2));
        shard.ExpectMsg<Passivate>();
        Sys.Stop(first);

        // A new actor for the same trace (what sharding starts after passivation) must not decide again.
        var (second, _) = Start();
        Append(second, Span(7, parent: 1));
        AwaitCondition(() => _sink.Decided.Count == 2);
        var late = _sink.Decided.Last();
        Assert.True(late.IsLate);
        Assert.True(late.Decision.Keep);
        Assert.Equal("late/rules/errors", late.Decision.Reason);
        Assert.Equal(1, _gauges.TracesDecided);
        Assert.Equal(1, _gauges.LateSpans);
    }

    [Fact]
    public void A_dropped_trace_drops_its_late_spans_too()
    {
        var (actor, shard) = Start();
        Append(actor, Span(1));
        Clock.Advance(TimeSpan.FromSeconds(2));
        shard.ExpectMsg<Passivate>();
        Append(actor, Span(2, parent: 1, status: SpanStatusCode.Error));
        AwaitCondition(() => _sink.Decided.Count == 2);
        Assert.All(_sink.Decided, d => Assert.False(d.Decision.Keep));
        Assert.Equal(1, _gauges.TracesDecided);
    }

    [Fact]
    public void A_trace_waiting_for_another_regions_fragment_is_decided_at_the_timeout_with_that_reason()
    {
        var (actor, shard) = Start();
        Append(actor, Span(1), Span(3, parent: 9, status: SpanStatusCode.Error));
        Clock.Advance(TimeSpan.FromSeconds(10));
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Empty(_sink.Decided);
        Clock.Advance(TimeSpan.FromSeconds(20));
        shard.ExpectMsg<Passivate>();
        Assert.Equal(CompletionReasons.ExpiredMissingParent, Assert.Single(_sink.Decided).CompletionReason);
    }

    [Fact]
    public void A_hand_off_decides_the_buffered_spans_early_instead_of_losing_them()
    {
        var (actor, _) = Start();
        Watch(actor);
        Append(actor, Span(1, status: SpanStatusCode.Error));
        actor.Tell(TraceCommands.HandOffStop.Instance);
        ExpectTerminated(actor);
        var decided = Assert.Single(_sink.Decided);
        Assert.Equal(CompletionReasons.HandOff, decided.CompletionReason);
        Assert.True(decided.Decision.Keep);
        Assert.Equal(0, _gauges.SpansBuffered);
    }

    [Fact]
    public void The_span_limit_decides_a_giant_trace_without_waiting()
    {
        var (actor, shard) = Start();
        Append(actor, Enumerable.Range(1, 50).Select(i => Span((ulong)i, parent: i == 1 ? 0UL : 1UL)).ToArray());
        shard.ExpectMsg<Passivate>();
        Assert.Equal(CompletionReasons.SpanLimit, Assert.Single(_sink.Decided).CompletionReason);
    }
    [Fact]
    public void A_status_query_for_a_trace_it_holds_nothing_of_answers_and_passivates()
    {
        var (actor, shard) = Start();
        actor.Tell(new TraceQueries.GetTraceStatus(Trace));
        var status = ExpectMsg<TraceQueries.TraceStatus>();
        Assert.Equal(0, status.SpansBuffered);
        Assert.Null(status.Decision);
        shard.ExpectMsg<Passivate>();
    }

    [Fact]
    public void A_status_query_finds_a_decision_this_node_remembers()
    {
        var (first, shard) = Start();
        Append(first, Span(1, status: SpanStatusCode.Error));
        Clock.Advance(TimeSpan.FromSeconds(2));
        shard.ExpectMsg<Passivate>();
        Sys.Stop(first);

        var (second, _) = Start();
        second.Tell(new TraceQueries.GetTraceStatus(Trace));
        Assert.Equal("rules/errors", ExpectMsg<TraceQueries.TraceStatus>().Decision?.Reason);
    }
}
