using System.Globalization;

namespace ActorTracing.Workload;

/// <summary>
/// Live counters of a run, written by the producer and the sender workers without locks and read
/// at any time for a progress line. <see cref="AckLatency"/> is in microseconds from each
/// request's intended send time to its acknowledgement.
/// </summary>
public sealed class WorkloadCounters
{
    private readonly long[] _tracesByCategory = new long[4];
    private long _traces;
    private long _spansGenerated;
    private long _errorTraces;
    private long _slowTraces;
    private long _crossRegionTraces;
    private long _requests;
    private long _failedRequests;
    private long _spansSent;
    private long _spansFailed;
    private long _spansRejected;
    private long _throttled;
    private long _retries;
    private string? _lastError;

    public long Traces => Volatile.Read(ref _traces);

    public long SpansGenerated => Volatile.Read(ref _spansGenerated);

    public long ErrorTraces => Volatile.Read(ref _errorTraces);

    public long SlowTraces => Volatile.Read(ref _slowTraces);

    public long CrossRegionTraces => Volatile.Read(ref _crossRegionTraces);

    /// <summary>Requests acknowledged by the node.</summary>
    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Requests the sender gave up on (refused for good or out of retry time).</summary>
    public long FailedRequests => Volatile.Read(ref _failedRequests);

    /// <summary>Spans in acknowledged requests (including any the node reported rejected).</summary>
    public long SpansSent => Volatile.Read(ref _spansSent);

    public long SpansFailed => Volatile.Read(ref _spansFailed);

    /// <summary>Spans the node acknowledged but reported in partial_success.rejected_spans.</summary>
    public long SpansRejected => Volatile.Read(ref _spansRejected);

    /// <summary>Attempts answered with backpressure.</summary>
    public long Throttled => Volatile.Read(ref _throttled);

    public long Retries => Volatile.Read(ref _retries);

    public LatencyHistogram AckLatency { get; } = new();

    /// <summary>The slowest acknowledged requests after the warm-up, with their due times (see <see cref="SlowestRequests"/>).</summary>
    public SlowestRequests SlowestAcks { get; } = new();

    /// <summary>Why the most recent failed request failed (null while none failed).</summary>
    public string? LastError
    {
        get => Volatile.Read(ref _lastError);
        internal set => Volatile.Write(ref _lastError, value);
    }

    public long TracesOf(TraceCategory category) => Volatile.Read(ref _tracesByCategory[(int)category]);

    /// <summary>One line for a console: rates, outcomes, the mix and the ack latency so far.</summary>
    public string FormatProgress(TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{elapsed.TotalSeconds,6:F1}s  sent {SpansSent:N0} spans ({SpansSent / seconds:N0}/s) in {Requests:N0} req  " +
            $"throttled {Throttled:N0}  failed {FailedRequests:N0}  " +
            $"traces {Traces:N0} (api {TracesOf(TraceCategory.Api):N0}, static {TracesOf(TraceCategory.Static):N0}, " +
            $"fn {TracesOf(TraceCategory.EdgeFunction):N0}, health {TracesOf(TraceCategory.HealthCheck):N0}; " +
            $"error {ErrorTraces:N0}, slow {SlowTraces:N0}, cross-region {CrossRegionTraces:N0})  " +
            $"ack p50 {AckLatency.P50 / 1000.0:F1}ms p99 {AckLatency.P99 / 1000.0:F1}ms");
    }

    /// <summary>Adds the traces a producer generated since it last reported (and resets the tally).</summary>
    internal void OnTraces(ref TraceTally tally)
    {
        if (tally.Traces == 0)
        {
            return;
        }
        // Spans before traces: a reader dividing spans by traces never sees traces it has no spans for.
        Interlocked.Add(ref _spansGenerated, tally.Spans);
        Interlocked.Add(ref _tracesByCategory[(int)TraceCategory.Api], tally.Api);
        Interlocked.Add(ref _tracesByCategory[(int)TraceCategory.Static], tally.Static);
        Interlocked.Add(ref _tracesByCategory[(int)TraceCategory.EdgeFunction], tally.EdgeFunction);
        Interlocked.Add(ref _tracesByCategory[(int)TraceCategory.HealthCheck], tally.HealthCheck);
        Interlocked.Add(ref _errorTraces, tally.Errors);
        Interlocked.Add(ref _slowTraces, tally.Slow);
        Interlocked.Add(ref _crossRegionTraces, tally.CrossRegion);
        Interlocked.Add(ref _traces, tally.Traces);
        tally = default;
    }

    /// <param name="ackLatencyMicros">Null when the request falls in the warm-up: counted, but its latency is not recorded.</param>
    internal void OnResult(int spanCount, OtlpSendResult result, long? ackLatencyMicros)
    {
        Interlocked.Add(ref _throttled, result.Throttles);
        Interlocked.Add(ref _retries, result.Attempts - 1);
        if (result.Success)
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _spansSent, spanCount);
            Interlocked.Add(ref _spansRejected, result.RejectedSpans);
            if (ackLatencyMicros is { } latency)
            {
                AckLatency.Record(latency);
            }
        }
        else
        {
            Interlocked.Increment(ref _failedRequests);
            Interlocked.Add(ref _spansFailed, spanCount);
        }
    }
}
