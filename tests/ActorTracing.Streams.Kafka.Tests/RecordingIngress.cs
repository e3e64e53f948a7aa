using System.Collections.Concurrent;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Ingress;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>
/// An ingress that records every submit (request numbers, in call order) and refuses while
/// <see cref="Refusing"/> is set, so a test decides exactly when a record is accepted. Its
/// decisions come at once unless <see cref="HoldDecisions"/> is set; then each accepted submit's
/// decision waits in <see cref="Undecided"/> until the test decides it (or abandons it).
/// </summary>
internal sealed class RecordingIngress : IConfirmingIngress
{
    private volatile bool _refusing;
    private volatile bool _holdDecisions;

    public RecordingIngress(bool refusing = false) => _refusing = refusing;

    public bool Refusing { get => _refusing; set => _refusing = value; }

    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Every call: the request numbers submitted and whether they were accepted.</summary>
    public ConcurrentQueue<(int[] Requests, bool Accepted)> Calls { get; } = new();

    public IEnumerable<int> Accepted => Calls.Where(c => c.Accepted).SelectMany(c => c.Requests);

    public int Refusals => Calls.Count(c => !c.Accepted);

    public bool HoldDecisions { get => _holdDecisions; set => _holdDecisions = value; }

    /// <summary>Accepted submits whose decisions are held, by the first request number of each.</summary>
    public ConcurrentDictionary<int, TaskCompletionSource> Undecided { get; } = new();

    public IngressResult SubmitUntilDecided(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source, out Task? decided)
    {
        var result = Submit(traces, protocol, source);
        decided = null;
        if (result.Accepted)
        {
            var decision = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_holdDecisions)
            {
                Undecided[TestRequests.Number(traces[0])] = decision;
            }
            else
            {
                decision.SetResult();
            }
            decided = decision.Task;
        }
        return result;
    }

    /// <summary>Kafka ingest waits through the Task overload; this one is the write-ahead log's.</summary>
    public IngressResult SubmitUntilDecided(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source, ActorTracing.Domain.Delivery.ConfirmationCountdown countdown) =>
        throw new NotSupportedException("Kafka ingest waits through the Task overload");

    /// <summary>Decides the held submit whose first request number is <paramref name="number"/>.</summary>
    public void Decide(int number) => Undecided[number].SetResult();

    public IngressResult Submit(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source = null)
    {
        var numbers = traces.Select(TestRequests.Number).ToArray();
        var refuse = _refusing;
        Calls.Enqueue((numbers, !refuse));
        return refuse ? IngressResult.Overloaded(RetryAfter, "test: overloaded") : IngressResult.Ok;
    }
}
