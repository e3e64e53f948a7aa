using System.Collections.Concurrent;
using ActorTracing.Protocol.Traces;

namespace ActorTracing.Actors.Tests.Traces;

/// <summary>Collects published outcomes; the real sink (storage) is covered by the integration tests.</summary>
internal sealed class RecordingSink : ITraceOutcomeSink
{
    public ConcurrentQueue<TraceDecided> Decided { get; } = new();

    public void OnDecided(TraceDecided decided) => Decided.Enqueue(decided);
}
