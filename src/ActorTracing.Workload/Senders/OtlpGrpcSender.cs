using Grpc.Core;
using Grpc.Net.Client;

namespace ActorTracing.Workload;

/// <summary>
/// OTLP/gRPC: unary TraceService/Export over HTTP/2 (h2c for http:// endpoints). The request is
/// already encoded, so the method uses a pass-through marshaller and no generated client.
/// RESOURCE_EXHAUSTED and UNAVAILABLE are backpressure (counted, retried after the status's
/// RetryInfo or a backoff); the other retryable codes of the OTLP spec are retried uncounted.
/// </summary>
public sealed class OtlpGrpcSender : IOtlpSender
{
    public const string ServiceName = "opentelemetry.proto.collector.trace.v1.TraceService";
    public const string MethodName = "Export";

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
    }

    public OtlpSenderStats Stats { get; } = new();

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
                switch (ex.StatusCode)
                {
                    case StatusCode.ResourceExhausted:
                    case StatusCode.Unavailable:
                        throttles++;
                        Stats.OnThrottled();
                        wait = RetryDelay(ex) ?? _options.Backoff(attempts);
                        break;
                    case StatusCode.Cancelled:
                    case StatusCode.DeadlineExceeded:
                    case StatusCode.Aborted:
                    case StatusCode.OutOfRange:
                    case StatusCode.DataLoss:
                        wait = RetryDelay(ex) ?? _options.Backoff(attempts);
                        break;
                    default:
                        Stats.OnFailed();
                        return new OtlpSendResult(false, attempts, throttles, 0, problem);
                }
            }

            if (_options.WouldExceedRetryBudget(started, _clock.NowNanos, wait))
            {
                Stats.OnFailed();
                return new OtlpSendResult(false, attempts, throttles, 0, $"gave up after {attempts} attempts: {problem}");
            }
            Stats.OnRetry();
            await _clock.DelayAsync(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _channel.Dispose();

    private TimeSpan? RetryDelay(RpcException ex)
    {
        var details = ex.Trailers.GetValueBytes(StatusDetailsTrailer);
        return details is null ? null : ExportResponse.ReadRetryInfo(details) is { } delay ? _options.CapRetryAfter(delay) : null;
    }

    /// <summary>An encoded ExportTraceServiceRequest (gRPC's call API takes requests as reference types).</summary>
    public sealed record RequestBytes(ReadOnlyMemory<byte> Payload);
}
