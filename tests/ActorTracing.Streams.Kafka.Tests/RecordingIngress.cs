using System.Collections.Concurrent;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Ingress;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>
/// An ingress that records every submit (request numbers, in call order) and refuses while
/// <see cref="Refusing"/> is set, so a test decides exactly when a record is accepted.
/// </summary>
internal sealed class RecordingIngress : ITraceIngress
{
    private volatile bool _refusing;

    public RecordingIngress(bool refusing = false) => _refusing = refusing;

    public bool Refusing { get => _refusing; set => _refusing = value; }

    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Every call: the request numbers submitted and whether they were accepted.</summary>
    public ConcurrentQueue<(int[] Requests, bool Accepted)> Calls { get; } = new();

    public IEnumerable<int> Accepted => Calls.Where(c => c.Accepted).SelectMany(c => c.Requests);

    public int Refusals => Calls.Count(c => !c.Accepted);

    public IngressResult Submit(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source = null)
    {
        var numbers = traces.Select(TestRequests.Number).ToArray();
        var refuse = _refusing;
        Calls.Enqueue((numbers, !refuse));
        return refuse ? IngressResult.Overloaded(RetryAfter, "test: overloaded") : IngressResult.Ok;
    }
}
