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

/// <summary>The Props sharding builds entities from: a producer calling the constructor, no expression or reflection.</summary>
public sealed class TraceEntityPropsSpec : TestKit
{
    private const string Hocon = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";
    private static readonly TraceId Trace = new(0xCCCC, 0xDDDD);

    private readonly RecordingSink _sink = new();
    private readonly TraceActorSettings _settings = TraceActorSettings.Default with
    {
        Completion = new CompletionSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 50, 1_000_000),
    };

    public TraceEntityPropsSpec()
        : base(Hocon)
    {
    }

    private static readonly TraceSampler KeepAll = new(new SamplingRules([], KeepAction.All));

    private Func<string, Props> Factory() => TraceShardingHostingExtensions.EntityProps(
        _settings, KeepAll, new DecisionCache(100, TimeSpan.FromMinutes(5)), _sink, new PipelineGauges());

    [Fact]
    public void Entity_props_build_a_shard_actor_without_constructor_arguments_to_bind()
    {
        var props = Factory()("12");

        Assert.Equal(typeof(TraceShardActor), props.Type);
        // The expression form carried the six constructor arguments for a reflective call.
        Assert.Empty(props.Arguments);
    }

    [Fact]
    public void An_entity_built_from_them_buffers_and_decides_the_traces_of_its_shard()
    {
        var actor = Sys.ActorOf(Factory()("12"));
        var span = new BufferedSpan(Trace, new SpanId(1), default, 1_000, 5_000, "GET /", SpanKind.Server, SpanStatusCode.Unset,
            new SpanOrigin("edge", "iad", [], []), new byte[64]);

        actor.Tell(new TraceCommands.AppendSpans(Trace, [span]));
        actor.Tell(new TraceQueries.GetTraceStatus(Trace), TestActor);
        Assert.Equal(1, ExpectMsg<TraceQueries.TraceStatus>().SpansBuffered);
        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(2.1));
        actor.Tell(new TraceQueries.GetTraceStatus(Trace), TestActor);
        Assert.True(ExpectMsg<TraceQueries.TraceStatus>().Decision?.Keep);

        var decided = Assert.Single(_sink.Decided);
        Assert.True(decided.Decision.Keep);
        Assert.Equal(CompletionReasons.GotRoot, decided.CompletionReason);
    }
}
