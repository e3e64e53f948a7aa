namespace ActorTracing.Protocol.Pipeline;

/// <summary>
/// Node-wide counters shared by ingest (admission), the trace shards and storage. Interlocked
/// only: they are read by the admission check on every request and by metrics, and written from
/// many actors at once. Spans are charged when ingest accepts them and released when their
/// trace is decided, so spans still queued in sharding count against the memory budget too.
/// </summary>
public sealed class PipelineGauges
{
    private long _spansReceived;
    private long _spansBuffered;
    private long _duplicateSpans;
    private long _bytesBuffered;
    private long _tracesBuffered;
    private long _tracesDecided;
    private long _tracesKept;
    private long _spansKept;
    private long _lateSpans;
    private long _decisionLatencyTicksTotal;
    private long _spanSlotsHeld;
    private long _completionTimerStarts;

    public ReasonCounts KeptByReason { get; } = new();

    public ReasonCounts DroppedByReason { get; } = new();

    public ReasonCounts CompletedByReason { get; } = new();

    public long SpansReceived => Interlocked.Read(ref _spansReceived);

    public long SpansBuffered => Interlocked.Read(ref _spansBuffered);

    public long BytesBuffered => Interlocked.Read(ref _bytesBuffered);

    public long TracesBuffered => Interlocked.Read(ref _tracesBuffered);

    public long TracesDecided => Interlocked.Read(ref _tracesDecided);

    public long TracesKept => Interlocked.Read(ref _tracesKept);

    public long SpansKept => Interlocked.Read(ref _spansKept);

    public long LateSpans => Interlocked.Read(ref _lateSpans);

    /// <summary>Spans not buffered because their open trace already held a span with the same id (a retried request, a Kafka record read again).</summary>
    public long DuplicateSpans => Interlocked.Read(ref _duplicateSpans);

    /// <summary>Span slots the trace shards hold allocated, in use or free (memory kept for buffering).</summary>
    public long SpanSlotsHeld => Interlocked.Read(ref _spanSlotsHeld);

    /// <summary>
    /// Times a trace shard started its completion timer, single or repeating (for diagnostics
    /// and tests: each start costs several objects in Akka's scheduler, so a busy shard repeats
    /// one timer instead of starting one per tick).
    /// </summary>
    public long CompletionTimerStarts => Interlocked.Read(ref _completionTimerStarts);

    /// <summary>Mean time from a trace's last span to its decision.</summary>
    public TimeSpan MeanDecisionLatency
    {
        get
        {
            var decided = TracesDecided;
            return decided == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Interlocked.Read(ref _decisionLatencyTicksTotal) / decided);
        }
    }

    /// <summary>A trace shard started its completion timer.</summary>
    public void CompletionTimerStarted() => Interlocked.Increment(ref _completionTimerStarts);

    /// <summary>A shard's span slots grew (pages made for a burst) or shrank (pages given back).</summary>
    public void SlotsHeld(long delta) => Interlocked.Add(ref _spanSlotsHeld, delta);

    /// <summary>Spans accepted by this node's ingest (they may be buffered on another node).</summary>
    public void Received(long spans) => Interlocked.Add(ref _spansReceived, spans);

    /// <summary>
    /// Spans that reached a TraceActor on this node. Charged by the actor itself, so on every node
    /// buffered = charged here − released here, whichever node's ingest accepted them.
    /// </summary>
    public void Buffered(long spans, long bytes)
    {
        Interlocked.Add(ref _spansBuffered, spans);
        Interlocked.Add(ref _bytesBuffered, bytes);
    }

    /// <summary>Received and buffered on this node at once: the single-node shortcut tests use.</summary>
    public void Accepted(long spans, long bytes)
    {
        Interlocked.Add(ref _spansReceived, spans);
        Interlocked.Add(ref _spansBuffered, spans);
        Interlocked.Add(ref _bytesBuffered, bytes);
    }

    public void TraceOpened() => Interlocked.Increment(ref _tracesBuffered);

    public void Released(long spans, long bytes)
    {
        Interlocked.Add(ref _spansBuffered, -spans);
        Interlocked.Add(ref _bytesBuffered, -bytes);
    }

    public void Decided(bool keep, string reason, string completionReason, long spans, TimeSpan latencyAfterLastSpan)
    {
        Interlocked.Decrement(ref _tracesBuffered);
        Interlocked.Increment(ref _tracesDecided);
        Interlocked.Add(ref _decisionLatencyTicksTotal, Math.Max(0, latencyAfterLastSpan.Ticks));
        CompletedByReason.Increment(completionReason);
        if (keep)
        {
            Interlocked.Increment(ref _tracesKept);
            Interlocked.Add(ref _spansKept, spans);
            KeptByReason.Increment(reason);
        }
        else
        {
            DroppedByReason.Increment(reason);
        }
    }

    public void Duplicates(long spans) => Interlocked.Add(ref _duplicateSpans, spans);

    public void Late(long spans, bool keep)
    {
        Interlocked.Add(ref _lateSpans, spans);
        if (keep)
        {
            Interlocked.Add(ref _spansKept, spans);
        }
    }
}
