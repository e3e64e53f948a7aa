using System.Collections.Concurrent;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Ingress;

namespace ActorTracing.Ingest.Tests;

/// <summary>
/// An ingress that records every submit and answers what the test sets in <see cref="Answer"/>;
/// a submit that waits for decisions gets a wait the test completes (<see cref="Decisions"/>).
/// </summary>
internal sealed class RecordingIngress : IConfirmingIngress
{
    /// <summary>One per accepted <see cref="SubmitUntilDecided"/>, in order: the test decides (or abandons) them.</summary>
    public ConcurrentQueue<TaskCompletionSource> Decisions { get; } = new();

    public ConcurrentQueue<(IReadOnlyList<TraceSpans> Traces, string Protocol)> Submits { get; } = new();

    public IngressResult Answer { get; set; } = IngressResult.Ok;

    public IReadOnlyList<TraceSpans> AllTraces => Submits.SelectMany(s => s.Traces).ToList();

    /// <summary>When set, Submit throws it: stands in for a bug behind the receiver.</summary>
    public Exception? Failure { get; set; }

    /// <summary>The request body of every submit that had one.</summary>
    public ConcurrentQueue<SharedBuffer> Sources { get; } = new();

    /// <summary>
    /// Whether this ingress keeps the spans past the call (the default: tests read them after).
    /// It then holds a share of their body, never given back; when false it holds none, as an
    /// ingress that copied everything it keeps.
    /// </summary>
    public bool KeepSpans { get; set; } = true;

    public IngressResult Submit(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source = null)
    {
        if (Failure is not null)
        {
            throw Failure;
        }
        // The spans are read after the call, so, as the contract asks, this keeps a share of the
        // body they slice; without it the receiver's pool would hand the body to the next request.
        if (source is not null)
        {
            if (KeepSpans)
            {
                source.Retain();
            }
            Sources.Enqueue(source);
        }
        Submits.Enqueue((traces.ToArray(), protocol)); // the list is valid only for the call
        return Answer;
    }

    /// <summary>As the node's: one message counted per submit here, confirmed when the test decides its entry in <see cref="Decisions"/> (abandoned when it cancels it).</summary>
    public IngressResult SubmitUntilDecided(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source, ActorTracing.Domain.Delivery.ConfirmationCountdown countdown)
    {
        var result = SubmitUntilDecided(traces, protocol, source, out var decided);
        if (result.Accepted)
        {
            countdown.Expect();
            decided!.ContinueWith(
                t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        countdown.Confirmed();
                    }
                    else
                    {
                        countdown.Abandon();
                    }
                },
                TaskScheduler.Default);
        }
        return result;
    }

    public IngressResult SubmitUntilDecided(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source, out Task? decided)
    {
        var result = Submit(traces, protocol, source);
        if (!result.Accepted)
        {
            decided = null;
            return result;
        }
        var wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Decisions.Enqueue(wait);
        decided = wait.Task;
        return result;
    }
}
