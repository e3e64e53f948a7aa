using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;

namespace ActorTracing.Actors.Traces;

/// <summary>
/// Builds a TraceActor with a plain constructor call. Sharding asks for Props once per trace, so
/// the expression form (<c>Props.Create(() =&gt; new TraceActor(...))</c>) cost an expression tree,
/// an evaluation of each captured argument and a reflective constructor call for every trace the
/// node ever sees; this costs two small objects. Entities are always created locally by their
/// shard, so Props that cannot be serialized for remote deployment lose nothing.
/// </summary>
internal sealed class TraceActorProducer(
    string entityId,
    TraceActorSettings settings,
    TraceSampler sampler,
    DecisionCache decisions,
    ITraceOutcomeSink sink,
    PipelineGauges gauges) : IIndirectActorProducer
{
    public Type ActorType => typeof(TraceActor);

    // Called again on a supervisor restart: each incarnation gets a fresh actor from the same arguments.
    public ActorBase Produce() => new TraceActor(entityId, settings, sampler, decisions, sink, gauges);

    public void Release(ActorBase actor)
    {
    }
}
