using System.Collections.Concurrent;
using ActorTracing.Protocol.Traces;
using ActorTracing.Tests;

namespace ActorTracing.Actors.Tests.Traces;

/// <summary>Collects published outcomes; the real sink (storage) is covered by the integration tests.</summary>
internal sealed class RecordingSink : ITraceOutcomeSink
{
    public ConcurrentQueue<TraceDecided> Decided { get; } = new();

    // A dropped trace's spans are the shard's to reuse once this returns (TraceDecided.Spans): copied.
    public void OnDecided(in TraceDecided decided) => Decided.Enqueue(decided.Decision.Keep ? decided : decided with { Spans = SpanCopies.Of(decided.Spans) });
}
