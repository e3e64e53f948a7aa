using ActorTracing.Domain;

namespace ActorTracing.Protocol.Traces;

/// <summary>Every message routed to a TraceActor names its trace; the shard extractor reads only this.</summary>
public interface ITraceMessage
{
    TraceId TraceId { get; }
}
