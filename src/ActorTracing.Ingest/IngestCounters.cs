using ActorTracing.Protocol.Metrics;

namespace ActorTracing.Ingest;

/// <summary>
/// Receiver counters for metrics and tests. Updated with Interlocked from any request thread and
/// read without locks, so a reader may see one counter a request ahead of another.
/// Malformed and oversize requests are counted as requests, not spans: their spans were never
/// decoded, so their number is unknown.
/// </summary>
public sealed class IngestCounters
{
    private long _requestsGrpc;
    private long _requestsHttpProtobuf;
    private long _requestsHttpJson;
    private long _spansAccepted;
    private long _spansRejectedInvalid;
    private long _spansRejectedOverloaded;
    private long _requestsMalformed;
    private long _requestsOversize;
    private long _requestsUnsupported;
    private long _requestsThrottled;
    private long _requestsUnavailable;
    private long _requestsFailed;

    public long RequestsReceivedGrpc => Volatile.Read(ref _requestsGrpc);

    public long RequestsReceivedHttpProtobuf => Volatile.Read(ref _requestsHttpProtobuf);

    public long RequestsReceivedHttpJson => Volatile.Read(ref _requestsHttpJson);

    /// <summary>Spans handed to the ingress and accepted by it.</summary>
    public long SpansAccepted => Volatile.Read(ref _spansAccepted);

    /// <summary>Spans dropped by the decoder (invalid trace or span ids) and reported as partial success.</summary>
    public long SpansRejectedInvalid => Volatile.Read(ref _spansRejectedInvalid);

    /// <summary>Valid spans the ingress refused while overloaded; the client was told to retry.</summary>
    public long SpansRejectedOverloaded => Volatile.Read(ref _spansRejectedOverloaded);

    /// <summary>Requests whose body did not decode (bad protobuf, JSON or gzip): HTTP 400 / INVALID_ARGUMENT.</summary>
    public long RequestsRejectedMalformed => Volatile.Read(ref _requestsMalformed);

    /// <summary>
    /// Requests over max-request-size, declared, streamed or inflated: HTTP 413 / RESOURCE_EXHAUSTED.
    /// A gRPC frame whose length prefix is already over the limit is refused by Grpc.AspNetCore
    /// before any of our code runs and is not counted here (nor as received).
    /// </summary>
    public long RequestsRejectedOversize => Volatile.Read(ref _requestsOversize);

    /// <summary>HTTP requests with a Content-Type or Content-Encoding we do not speak: HTTP 415.</summary>
    public long RequestsRejectedUnsupported => Volatile.Read(ref _requestsUnsupported);

    /// <summary>Requests answered 429 / RESOURCE_EXHAUSTED with a retry hint because the ingress was overloaded.</summary>
    public long RequestsThrottled => Volatile.Read(ref _requestsThrottled);

    /// <summary>Requests answered 503 / UNAVAILABLE with a retry hint: the write-ahead log could not take them (a write failed, or the node is stopping).</summary>
    public long RequestsUnavailable => Volatile.Read(ref _requestsUnavailable);

    /// <summary>Requests that failed on a bug (HTTP 500 / INTERNAL); each is logged.</summary>
    public long RequestsFailed => Volatile.Read(ref _requestsFailed);

    public long RequestsReceived(string protocol) => protocol switch
    {
        OtlpProtocols.Grpc => RequestsReceivedGrpc,
        OtlpProtocols.HttpProtobuf => RequestsReceivedHttpProtobuf,
        OtlpProtocols.HttpJson => RequestsReceivedHttpJson,
        _ => 0,
    };

    internal void RequestReceived(string protocol)
    {
        switch (protocol)
        {
            case OtlpProtocols.Grpc:
                Interlocked.Increment(ref _requestsGrpc);
                break;
            case OtlpProtocols.HttpProtobuf:
                Interlocked.Increment(ref _requestsHttpProtobuf);
                break;
            case OtlpProtocols.HttpJson:
                Interlocked.Increment(ref _requestsHttpJson);
                break;
        }
    }

    /// <summary>The span outcomes counted per protocol (Prometheus: protocol × outcome).</summary>
    public static readonly IReadOnlyList<string> SpanOutcomes = ["accepted", "rejected_invalid", "rejected_overloaded"];

    /// <summary>The protocols spans are counted for.</summary>
    public static readonly IReadOnlyList<string> Protocols = [OtlpProtocols.Grpc, OtlpProtocols.HttpProtobuf, OtlpProtocols.HttpJson];

    // [protocol, outcome]; a flat array of Interlocked cells, no locks on the request path.
    private readonly long[] _spansByProtocol = new long[3 * 3];

    /// <summary>Spans of <paramref name="protocol"/> with <paramref name="outcome"/> (one of <see cref="SpanOutcomes"/>).</summary>
    public long Spans(string protocol, string outcome)
    {
        var p = ProtocolIndex(protocol);
        var o = SpanOutcomes.ToList().IndexOf(outcome);
        return p < 0 || o < 0 ? 0 : Volatile.Read(ref _spansByProtocol[(p * 3) + o]);
    }

    internal void Accepted(int spans, string protocol)
    {
        Interlocked.Add(ref _spansAccepted, spans);
        AddByProtocol(protocol, 0, spans);
    }

    internal void RejectedInvalid(int spans, string protocol)
    {
        Interlocked.Add(ref _spansRejectedInvalid, spans);
        AddByProtocol(protocol, 1, spans);
    }

    internal void Throttled(int spans, string protocol)
    {
        Interlocked.Increment(ref _requestsThrottled);
        Interlocked.Add(ref _spansRejectedOverloaded, spans);
        AddByProtocol(protocol, 2, spans);
    }

    internal void Unavailable(int spans, string protocol)
    {
        Interlocked.Increment(ref _requestsUnavailable);
        Interlocked.Add(ref _spansRejectedOverloaded, spans);
        AddByProtocol(protocol, 2, spans);
    }

    private void AddByProtocol(string protocol, int outcome, int spans)
    {
        var p = ProtocolIndex(protocol);
        if (p >= 0)
        {
            Interlocked.Add(ref _spansByProtocol[(p * 3) + outcome], spans);
        }
    }

    private static int ProtocolIndex(string protocol) => protocol switch
    {
        OtlpProtocols.Grpc => 0,
        OtlpProtocols.HttpProtobuf => 1,
        OtlpProtocols.HttpJson => 2,
        _ => -1,
    };

    /// <summary>
    /// Upper bounds in seconds of <see cref="RequestDuration"/>: fine below a few milliseconds,
    /// where a healthy node answers (decode and hand-off of a 100-span request take ~0.1 ms).
    /// </summary>
    public static readonly IReadOnlyList<double> RequestDurationBounds = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // One per protocol, in ProtocolIndex order.
    private readonly LatencyHistogram[] _durations = [new(RequestDurationBounds), new(RequestDurationBounds), new(RequestDurationBounds)];

    /// <summary>
    /// How long the receiver took to answer requests of <paramref name="protocol"/>, whatever the
    /// answer: from the start of its handler to the response (HTTP: reading the body, decoding,
    /// the hand-off to the trace shards, writing the response; gRPC: the framework has read the
    /// message already, so decoding and the hand-off). Time a request waits before the node reads
    /// it — in the socket, behind a GC pause, for a thread — is not in it: a client's ack
    /// latency minus this is what the node cannot see of itself.
    /// </summary>
    public LatencyHistogram RequestDuration(string protocol)
    {
        var p = ProtocolIndex(protocol);
        return p >= 0 ? _durations[p] : throw new ArgumentException($"unknown protocol '{protocol}'; one of {string.Join(", ", Protocols)}", nameof(protocol));
    }

    internal void Answered(string protocol, TimeSpan duration)
    {
        var p = ProtocolIndex(protocol);
        if (p >= 0)
        {
            _durations[p].Observe(duration);
        }
    }

    internal void Malformed() => Interlocked.Increment(ref _requestsMalformed);

    internal void Oversize() => Interlocked.Increment(ref _requestsOversize);

    internal void Unsupported() => Interlocked.Increment(ref _requestsUnsupported);

    internal void Failed() => Interlocked.Increment(ref _requestsFailed);
}
