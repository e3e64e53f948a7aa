using System.Collections.Concurrent;
using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Ingress;

namespace ActorTracing.Ingest.Tests;

/// <summary>An ingress that records every submit and answers what the test sets in <see cref="Answer"/>.</summary>
internal sealed class RecordingIngress : ITraceIngress
{
    public ConcurrentQueue<(IReadOnlyList<TraceSpans> Traces, string Protocol)> Submits { get; } = new();

    public IngressResult Answer { get; set; } = IngressResult.Ok;

    public IReadOnlyList<TraceSpans> AllTraces => Submits.SelectMany(s => s.Traces).ToList();

    /// <summary>When set, Submit throws it: stands in for a bug behind the receiver.</summary>
    public Exception? Failure { get; set; }

    public IngressResult Submit(IReadOnlyList<TraceSpans> traces, string protocol)
    {
        if (Failure is not null)
        {
            throw Failure;
        }
        Submits.Enqueue((traces, protocol));
        return Answer;
    }
}
