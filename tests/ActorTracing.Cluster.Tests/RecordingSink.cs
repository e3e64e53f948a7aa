using System.Collections.Concurrent;
using ActorTracing.Protocol.Traces;
using ActorTracing.Tests;

namespace ActorTracing.Cluster.Tests;

/// <summary>Every outcome a node's TraceActors published; shared across nodes to count decisions.</summary>
internal sealed class RecordingSink(string node, ConcurrentQueue<(string Node, TraceDecided Decided)> all) : ITraceOutcomeSink
{
    // A dropped trace's spans are the shard's to reuse once this returns (TraceDecided.Spans): copied.
    public void OnDecided(in TraceDecided decided) => all.Enqueue((node, decided.Decision.Keep ? decided : decided with { Spans = SpanCopies.Of(decided.Spans) }));
}
