using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;

namespace ActorTracing.Workload;

/// <summary>
/// OTLP/gRPC: unary TraceService/Export over HTTP/2 (h2c for http:// endpoints). The request is
/// already encoded, so the method uses a pass-through marshaller and no generated client.
/// RESOURCE_EXHAUSTED and UNAVAILABLE are backpressure (counted, retried after the status's
/// RetryInfo or a backoff); the other retryable codes of the OTLP spec are retried uncounted.
/// </summary>
/// <remarks>
/// Two transports with the same contract: <see cref="SendAsync"/> goes through Grpc.Net.Client;
/// <see cref="Send"/> (cleartext endpoints, no injected handler) speaks HTTP/2 itself on blocking
/// sockets it keeps alive (<see cref="H2cConnection"/>), one per concurrent caller, for the
/// generator's dedicated sender threads. A connection failure is UNAVAILABLE and a timed-out
/// attempt DEADLINE_EXCEEDED on both, as Grpc.Net.Client reports them.
/// </remarks>
public sealed class OtlpGrpcSender : IBlockingOtlpSender
{
    public const string ServiceName = "opentelemetry.proto.collector.trace.v1.TraceService";
    public const string MethodName = "Export";

    /// <summary>The HTTP/2 :path of an Export call.</summary>
    public const string ExportPath = "/" + ServiceName + "/" + MethodName;

    private const string StatusDetailsTrailer = "grpc-status-details-bin";

    private static readonly Marshaller<byte[]> PassThrough = Marshallers.Create(static bytes => bytes, static bytes => bytes);

    // The request is copied into the channel's own buffer as it is written, so it may be any
    // slice: the generator's requests are written into pooled arrays longer than the request.
    private static readonly Marshaller<RequestBytes> Request = new(
        static (request, context) =>
        {
            var payload = request.Payload.Span;
            context.SetPayloadLength(payload.Length);
            var writer = context.GetBufferWriter();
            payload.CopyTo(writer.GetSpan(payload.Length));
            writer.Advance(payload.Length);
            context.Complete();
        },
        static context => new RequestBytes(context.PayloadAsNewBuffer()));

    /// <summary>The Export method with raw protobuf bytes on both sides.</summary>
    public static readonly Method<RequestBytes, byte[]> ExportMethod = new(MethodType.Unary, ServiceName, MethodName, Request, PassThrough);

    private readonly OtlpSenderOptions _options;
    private readonly IWorkloadClock _clock;
    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly Metadata _headers;
    private readonly bool _canSendBlocking;
    private readonly byte[] _headerBlock;
    private readonly BlockingConnectionPool<H2cConnection> _connections;

    /// <param name="handler">The HTTP/2 transport; a <see cref="SocketsHttpHandler"/> allowing several connections when null.</param>
    public OtlpGrpcSender(OtlpSenderOptions options, HttpMessageHandler? handler = null, IWorkloadClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _clock = clock ?? SystemWorkloadClock.Instance;
        _channel = GrpcChannel.ForAddress(options.Endpoint, new GrpcChannelOptions
        {
            // One HTTP/2 connection caps at ~100 concurrent streams; N senders may need more.
            HttpHandler = handler ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
            DisposeHttpClient = handler is null,
            MaxReceiveMessageSize = 4 * 1024 * 1024,
            MaxSendMessageSize = null,
            // Cancellation is the caller stopping the run, not a node status to classify.
            ThrowOperationCanceledOnCancellation = true,
        });
        _invoker = _channel.CreateCallInvoker();
        _headers = [];
        foreach (var header in options.Headers)
        {
            _headers.Add(header.Key, header.Value);
        }
        if (options.Gzip)
        {
            // Grpc.Net.Client's documented switch for compressing request messages.
            _headers.Add("grpc-internal-encoding-request", "gzip");
        }
        // TLS and test transports stay on Grpc.Net.Client; so do metadata that would need escaping
        // or binary encoding, and endpoints with a path, whose meaning is the client library's.
        _canSendBlocking = handler is null
            && options.Endpoint.Scheme == Uri.UriSchemeHttp
            && options.Endpoint.AbsolutePath == "/"
            && options.Headers.All(h => IsAsciiMetadata(h.Key, h.Value));
        _headerBlock = _canSendBlocking ? H2cConnection.RequestHeaderBlock(options.Endpoint.Authority, ExportPath, BlockingMetadata(options)) : [];
        _connections = new(() => H2cConnection.Open(_options.Endpoint.DnsSafeHost, _options.Endpoint.Port, _options.AttemptTimeout));
    }

    public OtlpSenderStats Stats { get; } = new();

    public bool CanSendBlocking => _canSendBlocking;

    public async Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var request = new RequestBytes(payload);
        var started = _clock.NowNanos;
        var attempts = 0;
        var throttles = 0;
        Stats.OnRequest();
        while (true)
        {
            attempts++;
            Stats.OnAttempt();
            TimeSpan wait;
            string problem;
            try
            {
                var options = new CallOptions(_headers, DateTime.UtcNow + _options.AttemptTimeout, cancellationToken);
                using var call = _invoker.AsyncUnaryCall(ExportMethod, null, options, request);
                var response = await call.ResponseAsync.ConfigureAwait(false);
                var rejected = ExportResponse.ReadRejectedSpans(response);
                Stats.OnRejected(rejected);
                Stats.Latency.Record((_clock.NowNanos - started) / 1000);
                return new OtlpSendResult(true, attempts, throttles, rejected, null);
            }
            catch (RpcException ex)
            {
                problem = $"gRPC {ex.StatusCode}: {ex.Status.Detail}";
                if (RetryWait(ex.StatusCode, ex.Trailers.GetValueBytes(StatusDetailsTrailer), attempts, ref throttles) is not { } retryWait)
                {
                    Stats.OnFailed();
                    return new OtlpSendResult(false, attempts, throttles, 0, problem);
                }
                wait = retryWait;
            }

            if (_options.GiveUpOrRetry(Stats, started, _clock.NowNanos, wait, attempts, throttles, problem) is { } gaveUp)
            {
                return gaveUp;
            }
            await _clock.DelayAsync(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    public OtlpSendResult Send(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!_canSendBlocking)
        {
            return SendAsync(payload, cancellationToken).GetAwaiter().GetResult();
        }
        ObjectDisposedException.ThrowIf(_connections.IsDisposed, this);
        var message = _options.Gzip ? OtlpHttpSender.Compress(payload.Span) : payload;
        var started = _clock.NowNanos;
        var attempts = 0;
        var throttles = 0;
        Stats.OnRequest();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            attempts++;
            Stats.OnAttempt();
            StatusCode status;
            string detail;
            byte[]? statusDetails = null;
            try
            {
                var (response, rejected) = Exchange(message, cancellationToken);
                if (response.Status == StatusCode.OK)
                {
                    Stats.OnRejected(rejected);
                    Stats.Latency.Record((_clock.NowNanos - started) / 1000);
                    return new OtlpSendResult(true, attempts, throttles, rejected, null);
                }
                (status, detail, statusDetails) = response;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                status = StatusCode.DeadlineExceeded;
                detail = "attempt timed out after " + _options.AttemptTimeout + ": " + ex.Message;
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // Connection refused/reset: the node is restarting or a load balancer dropped us.
                status = StatusCode.Unavailable;
                detail = ex.Message;
            }

            var problem = $"gRPC {status}: {detail}";
            if (RetryWait(status, statusDetails, attempts, ref throttles) is not { } wait)
            {
                Stats.OnFailed();
                return new OtlpSendResult(false, attempts, throttles, 0, problem);
            }
            if (_options.GiveUpOrRetry(Stats, started, _clock.NowNanos, wait, attempts, throttles, problem) is { } gaveUp)
            {
                return gaveUp;
            }
            _clock.Sleep(wait, cancellationToken);
        }
    }

    public void Dispose()
    {
        _connections.Dispose();
        _channel.Dispose();
    }

    /// <summary>One call on an idle connection, or a new one; the rejected span count is read before the connection is handed on.</summary>
    private (H2cResponse Response, long Rejected) Exchange(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        _connections.Exchange(
            (Headers: _headerBlock, Message: message, _options.Gzip),
            static (connection, call) =>
            {
                var response = connection.Exchange(call.Headers, call.Message, call.Gzip);
                return (response, response.Status == StatusCode.OK ? ExportResponse.ReadRejectedSpans(connection.ResponseMessage) : 0L);
            },
            static (connection, _) => connection.CanReuse,
            cancellationToken);

    /// <summary>
    /// The wait before retrying a call that ended with <paramref name="status"/>, or null when the
    /// status is final; shared by both transports. RESOURCE_EXHAUSTED and UNAVAILABLE count as
    /// throttles; both honour a RetryInfo in the status details.
    /// </summary>
    private TimeSpan? RetryWait(StatusCode status, byte[]? statusDetails, int attempts, ref int throttles)
    {
        switch (status)
        {
            case StatusCode.ResourceExhausted:
            case StatusCode.Unavailable:
                throttles++;
                Stats.OnThrottled();
                break;
            case StatusCode.Cancelled:
            case StatusCode.DeadlineExceeded:
            case StatusCode.Aborted:
            case StatusCode.OutOfRange:
            case StatusCode.DataLoss:
                break;
            default:
                return null;
        }
        return RetryDelay(statusDetails) ?? _options.Backoff(attempts);
    }

    private TimeSpan? RetryDelay(byte[]? statusDetails) =>
        statusDetails is not null && ExportResponse.ReadRetryInfo(statusDetails) is { } delay ? _options.CapRetryAfter(delay) : null;

    /// <summary>What Grpc.Net.Client would add to each call, then the configured metadata, for the blocking path.</summary>
    private static IEnumerable<KeyValuePair<string, string>> BlockingMetadata(OtlpSenderOptions options)
    {
        // The node may stop working on a call its sender has given up on.
        yield return new("grpc-timeout", GrpcTimeout(options.AttemptTimeout));
        if (options.Gzip)
        {
            yield return new("grpc-encoding", "gzip");
        }
        foreach (var header in options.Headers)
        {
            // Grpc.Core's Metadata lowercases keys too; HTTP/2 requires it.
            yield return new(header.Key.ToLowerInvariant(), header.Value);
        }
    }

    /// <summary>grpc-timeout: at most 8 digits and a unit, rounded up so the node never gives up first.</summary>
    internal static string GrpcTimeout(TimeSpan timeout)
    {
        var value = (long)Math.Ceiling(timeout.TotalMilliseconds);
        foreach (var (unit, perNext) in new[] { ("m", 1000L), ("S", 60L), ("M", 60L) })
        {
            if (value <= 99_999_999)
            {
                return value.ToString(CultureInfo.InvariantCulture) + unit;
            }
            value = (value + perNext - 1) / perNext;
        }
        return Math.Min(value, 99_999_999).ToString(CultureInfo.InvariantCulture) + "H";
    }

    private static bool IsAsciiMetadata(string key, string value) =>
        key.Length > 0
        && key.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.')
        && !key.EndsWith("-bin", StringComparison.OrdinalIgnoreCase)
        && value.All(c => c is >= ' ' and <= '~');

    /// <summary>An encoded ExportTraceServiceRequest (gRPC's call API takes requests as reference types).</summary>
    public sealed record RequestBytes(ReadOnlyMemory<byte> Payload);
}
