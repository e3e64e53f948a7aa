using ActorTracing.Domain;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;

namespace ActorTracing.Actors.Traces;

/// <summary>
/// Builds a TraceShardActor with a plain constructor call instead of the expression form
/// (<c>Props.Create(() =&gt; new ...)</c>), which costs an expression tree, an evaluation of each
/// captured argument and a reflective constructor call. Entities are always created locally by
/// their shard, so Props that cannot be serialized for remote deployment lose nothing.
/// </summary>
internal sealed class TraceShardActorProducer(
    string shardId,
    TraceActorSettings settings,
    TraceSampler sampler,
    DecisionCache decisions,
    ITraceOutcomeSink sink,
    PipelineGauges gauges,
    SpanRecycler? recycler) : IIndirectActorProducer
{
    public Type ActorType => typeof(TraceShardActor);

    // Called again on a supervisor restart: each incarnation gets a fresh actor from the same arguments.
    public ActorBase Produce() => new TraceShardActor(shardId, settings, sampler, decisions, sink, gauges, recycler);

    public void Release(ActorBase actor)
    {
    }
}
