using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace ActorTracing.Workload;

/// <summary>
/// OTLP/HTTP with protobuf bodies: POST {endpoint}/v1/traces. 429 and 503 are backpressure: the
/// same payload is sent again after Retry-After (or a backoff when the node gives none), and the
/// throttle is counted; 502/504 and network errors are retried the same way. Other statuses are
/// the node refusing the request for good and are reported failed.
/// </summary>
/// <remarks>
/// Two transports with the same contract: <see cref="SendAsync"/> goes through HttpClient;
/// <see cref="Send"/> (cleartext endpoints, no injected handler) writes HTTP/1.1 on blocking
/// sockets it keeps alive, one per concurrent caller, for the generator's dedicated sender threads.
/// </remarks>
public sealed class OtlpHttpSender : IBlockingOtlpSender
{
    public const string TracesPath = "/v1/traces";
    public const string ProtobufContentType = "application/x-protobuf";

    private readonly OtlpSenderOptions _options;
    private readonly IWorkloadClock _clock;
    private readonly HttpClient _client;
    private readonly Uri _tracesUri;
    private readonly bool _canSendBlocking;
    private readonly byte[] _headPrefix;
    private readonly BlockingConnectionPool<Http1Connection> _connections;

    /// <param name="handler">The transport; a pooled <see cref="SocketsHttpHandler"/> when null. Tests pass a fake.</param>
    public OtlpHttpSender(OtlpSenderOptions options, HttpMessageHandler? handler = null, IWorkloadClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _clock = clock ?? SystemWorkloadClock.Instance;
        _client = handler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.None })
            : new HttpClient(handler, disposeHandler: false);
        _client.Timeout = options.AttemptTimeout;
        _tracesUri = TracesUri(options.Endpoint);
        // TLS and test transports stay on HttpClient; so do headers that would need escaping on the wire.
        _canSendBlocking = handler is null
            && _tracesUri.Scheme == Uri.UriSchemeHttp
            && options.Headers.All(h => IsHeaderToken(h.Key) && !h.Value.AsSpan().ContainsAny('\r', '\n'));
        _headPrefix = _canSendBlocking ? HeadPrefix(_tracesUri, options) : [];
        _connections = new(() => Http1Connection.Open(_tracesUri.DnsSafeHost, _tracesUri.Port, _options.AttemptTimeout));
    }

    public OtlpSenderStats Stats { get; } = new();

    public bool CanSendBlocking => _canSendBlocking;

    /// <summary>The URL requests go to: the endpoint itself when it already names /v1/traces.</summary>
    public static Uri TracesUri(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.AbsolutePath.EndsWith(TracesPath, StringComparison.Ordinal)
            ? endpoint
            : new Uri(endpoint.GetLeftPart(UriPartial.Authority) + endpoint.AbsolutePath.TrimEnd('/') + TracesPath);
    }

    public async Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var body = _options.Gzip ? Compress(payload.Span) : payload;
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
                using var request = new HttpRequestMessage(HttpMethod.Post, _tracesUri) { Content = new ReadOnlyMemoryContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(ProtobufContentType);
                if (_options.Gzip)
                {
                    request.Content.Headers.ContentEncoding.Add("gzip");
                }
                foreach (var header in _options.Headers)
                {
                    request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    var rejected = 0L;
                    if (response.Content.Headers.ContentType?.MediaType == ProtobufContentType)
                    {
                        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                        rejected = ExportResponse.ReadRejectedSpans(bytes);
                    }
                    Stats.OnRejected(rejected);
                    Stats.Latency.Record((_clock.NowNanos - started) / 1000);
                    return new OtlpSendResult(true, attempts, throttles, rejected, null);
                }
                problem = $"HTTP {status} {response.ReasonPhrase}";
                if (RetryWait(status, RetryAfter(response), attempts, ref throttles) is not { } retryWait)
                {
                    Stats.OnFailed();
                    return new OtlpSendResult(false, attempts, throttles, 0, problem);
                }
                wait = retryWait;
            }
            catch (HttpRequestException ex)
            {
                // Connection refused/reset: the node is restarting or a load balancer dropped us.
                problem = ex.Message;
                wait = _options.Backoff(attempts);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                problem = "attempt timed out after " + _options.AttemptTimeout + ": " + ex.Message;
                wait = _options.Backoff(attempts);
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
        var body = _options.Gzip ? Compress(payload.Span) : payload;
        var started = _clock.NowNanos;
        var attempts = 0;
        var throttles = 0;
        Stats.OnRequest();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            attempts++;
            Stats.OnAttempt();
            TimeSpan wait;
            string problem;
            try
            {
                var response = Exchange(body, cancellationToken);
                var status = response.Status;
                if (status is >= 200 and < 300)
                {
                    var rejected = IsProtobuf(response.ContentType) ? ExportResponse.ReadRejectedSpans(response.Body) : 0;
                    Stats.OnRejected(rejected);
                    Stats.Latency.Record((_clock.NowNanos - started) / 1000);
                    return new OtlpSendResult(true, attempts, throttles, rejected, null);
                }
                problem = $"HTTP {status} {response.Reason}";
                if (RetryWait(status, RetryAfter(response.RetryAfter), attempts, ref throttles) is not { } retryWait)
                {
                    Stats.OnFailed();
                    return new OtlpSendResult(false, attempts, throttles, 0, problem);
                }
                wait = retryWait;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                problem = "attempt timed out after " + _options.AttemptTimeout + ": " + ex.Message;
                wait = _options.Backoff(attempts);
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // Connection refused/reset: the node is restarting or a load balancer dropped us.
                problem = ex.Message;
                wait = _options.Backoff(attempts);
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
        _client.Dispose();
    }

    /// <summary>One request/response on an idle keep-alive connection, or a new one.</summary>
    private Http1Response Exchange(ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        _connections.Exchange(
            (Head: _headPrefix, Body: body),
            static (connection, request) => connection.Exchange(request.Head, request.Body),
            static (_, response) => response.KeepAlive,
            cancellationToken);

    private static byte[] HeadPrefix(Uri tracesUri, OtlpSenderOptions options)
    {
        var head = new StringBuilder(256)
            .Append("POST ").Append(tracesUri.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(tracesUri.Authority).Append("\r\n")
            .Append("Content-Type: ").Append(ProtobufContentType).Append("\r\n");
        if (options.Gzip)
        {
            head.Append("Content-Encoding: gzip\r\n");
        }
        foreach (var header in options.Headers)
        {
            head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }
        head.Append("Content-Length: ");
        return Encoding.UTF8.GetBytes(head.ToString());
    }

    private static bool IsHeaderToken(string name) =>
        name.Length > 0 && name.All(c => c is > ' ' and < (char)127 && c != ':');

    private static bool IsProtobuf(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals(ProtobufContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The wait before retrying a non-2xx answer, or null when it is final: 429/503 are throttles
    /// (counted), 502/504 a gateway in the way; both honour Retry-After. Shared by both send paths.
    /// </summary>
    private TimeSpan? RetryWait(int status, TimeSpan? retryAfter, int attempts, ref int throttles)
    {
        if (status is 429 or 503)
        {
            throttles++;
            Stats.OnThrottled();
        }
        else if (status is not (502 or 504))
        {
            return null;
        }
        return retryAfter ?? _options.Backoff(attempts);
    }

    private TimeSpan? RetryAfter(string? retryAfter)
    {
        if (string.IsNullOrEmpty(retryAfter))
        {
            return null;
        }
        if (long.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return _options.CapRetryAfter(TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.MaxValue.TotalSeconds)));
        }
        if (DateTimeOffset.TryParseExact(retryAfter, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var now = DateTimeOffset.UnixEpoch.AddTicks((long)(_clock.UnixNowNanos / 100));
            return _options.CapRetryAfter(date - now);
        }
        return null;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return _options.CapRetryAfter(delta);
        }
        if (retryAfter?.Date is { } date)
        {
            var now = DateTimeOffset.UnixEpoch.AddTicks((long)(_clock.UnixNowNanos / 100));
            return _options.CapRetryAfter(date - now);
        }
        return null;
    }

    internal static byte[] Compress(ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream(Math.Max(payload.Length / 4, 256));
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }
        return output.ToArray();
    }
}
