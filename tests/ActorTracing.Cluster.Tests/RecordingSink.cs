using System.Collections.Concurrent;
using ActorTracing.Protocol.Traces;

namespace ActorTracing.Cluster.Tests;

/// <summary>Every outcome a node's TraceActors published; shared across nodes to count decisions.</summary>
internal sealed class RecordingSink(string node, ConcurrentQueue<(string Node, TraceDecided Decided)> all) : ITraceOutcomeSink
{
    public void OnDecided(TraceDecided decided) => all.Enqueue((node, decided));
}
