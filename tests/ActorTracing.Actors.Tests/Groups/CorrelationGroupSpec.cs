using ActorTracing.Actors.Groups;
using ActorTracing.Actors.Tests.Traces;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Correlation;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Actors.Tests.Groups;

/// <summary>Correlation groups under virtual time: the group actor, and a trace shard that waits for a trace's group.</summary>
public sealed class CorrelationGroupSpec : TestKit
{
    private const string Hocon = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";
    private static readonly TraceId Edge = new(0xE0, 1);
    private static readonly TraceId Origin = new(0xE0, 2);

    private static readonly TraceSampler ErrorsOrDrop = new(new SamplingRules(
        [new SamplingRule("errors", StatusCodeCondition.Error, KeepAction.All)],
        DropAction.Instance));

    private readonly RecordingSink _sink = new();
    private readonly PipelineGauges _gauges = new();

    public CorrelationGroupSpec()
        : base(Hocon)
    {
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    private static TraceActorSettings Settings => TraceActorSettings.Default with
    {
        Completion = new CompletionSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 50, 1_000_000),
        Correlation = new CorrelationSettings(true, "request.id", true, TimeSpan.FromSeconds(1)),
    };

    private static IReadOnlyList<BufferedSpan> Spans(TraceId trace, string requestId, SpanStatusCode status = SpanStatusCode.Unset)
    {
        var span = new SpanDetail
        {
            TraceId = trace,
            SpanId = new SpanId(1),
            Name = "edge",
            StatusCode = status,
            Attributes = [new("request.id", AttributeValue.FromString(requestId))],
        };
        var request = OtlpEncoder.EncodeRequest([new ResourceSpansDetail([], [new ScopeSpansDetail(new ScopeDetail("s", "1", []), [span])])]);
        return OtlpTraceDecoder.Decode(request, "iad").Traces.Single().Spans;
    }

    [Fact]
    public void A_group_decides_once_after_group_wait_and_answers_late_members_at_once()
    {
        // On the calling thread, so both proposals (and the group-wait timer the first one starts)
        // are handled before the clock moves; a pool thread could lag behind Advance on a busy machine.
        var group = Sys.ActorOf(TraceGroupActor.Props("attr:req-1", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30))
            .WithDispatcher(CallingThreadDispatcher.Id));
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var late = CreateTestProbe();

        group.Tell(new TraceGroupCommands.Propose("attr:req-1", Edge, SamplingDecision.Dropped("probabilistic/api")), a.Ref);
        group.Tell(new TraceGroupCommands.Propose("attr:req-1", Origin, SamplingDecision.Kept("rules/errors", 1)), b.Ref);
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        Clock.Advance(TimeSpan.FromSeconds(1));
        var decided = a.ExpectMsg<TraceGroupCommands.GroupDecided>();
        Assert.Equal(SamplingDecision.Kept("group/rules/errors", 1), decided.Decision);
        Assert.Equal([Edge, Origin], decided.Members);
        Assert.Equal(decided.Decision, b.ExpectMsg<TraceGroupCommands.GroupDecided>().Decision);

        group.Tell(new TraceGroupCommands.Propose("attr:req-1", new TraceId(0xE0, 3), SamplingDecision.Dropped("probabilistic/static")), late.Ref);
        Assert.Equal(decided.Decision, late.ExpectMsg<TraceGroupCommands.GroupDecided>().Decision);
    }

    [Fact]
    public void A_trace_in_a_group_waits_for_the_group_and_is_stored_with_its_decision_and_key()
    {
        var groups = CreateTestProbe();
        ActorRegistry.For(Sys).Register<TraceGroupRegion>(groups.Ref);
        var actor = Sys.ActorOf(TraceShardActor.Props("1", Settings, ErrorsOrDrop, new DecisionCache(100, TimeSpan.FromMinutes(5)), _sink, _gauges));

        actor.Tell(new TraceCommands.AppendSpans(Edge, Spans(Edge, "req-9")));
        actor.Tell(new TraceQueries.GetTraceStatus(Edge), TestActor);
        ExpectMsg<TraceQueries.TraceStatus>();
        Clock.Advance(TimeSpan.FromSeconds(2));

        // Its own decision would drop it (no error here); the group — whose other fragment had an error — keeps it.
        var proposal = groups.ExpectMsg<TraceGroupCommands.Propose>();
        Assert.Equal(("attr:req-9", Edge, false), (proposal.GroupKey, proposal.TraceId, proposal.Decision.Keep));
        Assert.Empty(_sink.Decided);
        groups.Reply(new TraceGroupCommands.GroupDecided("attr:req-9", SamplingDecision.Kept("group/rules/errors", 1), [Edge, Origin]));
        actor.Tell(new TraceQueries.GetTraceStatus(Edge), TestActor);
        ExpectMsg<TraceQueries.TraceStatus>();

        var decided = Assert.Single(_sink.Decided);
        Assert.True(decided.Decision.Keep);
        Assert.Equal("group/rules/errors", decided.Decision.Reason);
        Assert.Equal("attr:req-9", decided.GroupKey);
        Assert.Equal(CompletionReasons.GotRoot, decided.CompletionReason);
    }

    [Fact]
    public void A_group_that_never_answers_does_not_hold_the_trace_forever()
    {
        var groups = CreateTestProbe();
        ActorRegistry.For(Sys).Register<TraceGroupRegion>(groups.Ref);
        var actor = Sys.ActorOf(TraceShardActor.Props("1", Settings, ErrorsOrDrop, new DecisionCache(100, TimeSpan.FromMinutes(5)), _sink, _gauges));

        actor.Tell(new TraceCommands.AppendSpans(Edge, Spans(Edge, "req-5", SpanStatusCode.Error)));
        actor.Tell(new TraceQueries.GetTraceStatus(Edge), TestActor);
        ExpectMsg<TraceQueries.TraceStatus>();
        Clock.Advance(TimeSpan.FromSeconds(2));
        groups.ExpectMsg<TraceGroupCommands.Propose>();
        // The shard has finished the message that proposed (and armed the group-timeout) once it answers this.
        actor.Tell(new TraceQueries.GetTraceStatus(Edge), TestActor);
        ExpectMsg<TraceQueries.TraceStatus>();
        Clock.Advance(TimeSpan.FromSeconds(4));
        actor.Tell(new TraceQueries.GetTraceStatus(Edge), TestActor);
        ExpectMsg<TraceQueries.TraceStatus>();

        var decided = Assert.Single(_sink.Decided);
        Assert.True(decided.Decision.Keep);
        Assert.Equal("group-timeout/rules/errors", decided.Decision.Reason);
    }
}
