namespace ActorTracing.Protocol.Traces;

/// <summary>
/// Where decided traces go. TraceActors call it from their own thread, so implementations must be
/// thread-safe and must not block (storage enqueues, counters are Interlocked). It keeps the
/// actors project free of any storage reference: the node wires it.
/// </summary>
public interface ITraceOutcomeSink
{
    void OnDecided(in TraceDecided decided);
}
