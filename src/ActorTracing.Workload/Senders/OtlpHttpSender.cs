using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace ActorTracing.Workload;

/// <summary>
/// OTLP/HTTP with protobuf bodies: POST {endpoint}/v1/traces. 429 and 503 are backpressure: the
/// same payload is sent again after Retry-After (or a backoff when the node gives none), and the
/// throttle is counted; 502/504 and network errors are retried the same way. Other statuses are
/// the node refusing the request for good and are reported failed.
/// </summary>
public sealed class OtlpHttpSender : IOtlpSender
{
    public const string TracesPath = "/v1/traces";
    public const string ProtobufContentType = "application/x-protobuf";

    private readonly OtlpSenderOptions _options;
    private readonly IWorkloadClock _clock;
    private readonly HttpClient _client;
    private readonly Uri _tracesUri;

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
    }

    public OtlpSenderStats Stats { get; } = new();

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
                if (status is 429 or 503)
                {
                    throttles++;
                    Stats.OnThrottled();
                    wait = RetryAfter(response) ?? _options.Backoff(attempts);
                }
                else if (status is 502 or 504)
                {
                    wait = RetryAfter(response) ?? _options.Backoff(attempts);
                }
                else
                {
                    Stats.OnFailed();
                    return new OtlpSendResult(false, attempts, throttles, 0, problem);
                }
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

            if (_options.WouldExceedRetryBudget(started, _clock.NowNanos, wait))
            {
                Stats.OnFailed();
                return new OtlpSendResult(false, attempts, throttles, 0, $"gave up after {attempts} attempts: {problem}");
            }
            Stats.OnRetry();
            await _clock.DelayAsync(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _client.Dispose();

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

    private static byte[] Compress(ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream(Math.Max(payload.Length / 4, 256));
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }
        return output.ToArray();
    }
}
