using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

public sealed class OtlpHttpSenderSpec
{
    private static readonly byte[] Payload = [0x0a, 0x03, 0x01, 0x02, 0x03];

    private static OtlpSenderOptions Options(bool gzip = false, TimeSpan? giveUpAfter = null) => new()
    {
        Endpoint = new Uri("http://node.test:4318"),
        Gzip = gzip,
        GiveUpAfter = giveUpAfter ?? TimeSpan.FromMinutes(5),
    };

    private static HttpResponseMessage Throttle(HttpStatusCode code, TimeSpan? retryAfter)
    {
        var response = StubHandler.Status(code);
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(delay);
        }
        return response;
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_after_that_delay_with_the_same_payload()
    {
        using var handler = new StubHandler((call, _) => call == 0 ? Throttle(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(3)) : StubHandler.Status(HttpStatusCode.OK));
        var clock = new ManualClock();
        using var sender = new OtlpHttpSender(Options(), handler, clock);

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.True(result.Success);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(1, result.Throttles);
        Assert.Equal([TimeSpan.FromSeconds(3)], clock.Delays);
        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal(Payload, r.Body));
        Assert.Equal(1, sender.Stats.Throttled);
        Assert.Equal(1, sender.Stats.Retries);
        Assert.Equal(0, sender.Stats.Failed);
        Assert.Equal(3_000_000, sender.Stats.Latency.Max);
    }

    [Fact]
    public async Task A_503_without_Retry_After_backs_off_exponentially_until_accepted()
    {
        using var handler = new StubHandler((call, _) => call < 3 ? Throttle(HttpStatusCode.ServiceUnavailable, null) : StubHandler.Status(HttpStatusCode.OK));
        var clock = new ManualClock();
        using var sender = new OtlpHttpSender(Options(), handler, clock);

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.True(result.Success);
        Assert.Equal(3, result.Throttles);
        var delays = clock.Delays.Select(d => d.TotalMilliseconds).ToArray();
        Assert.Equal(3, delays.Length);
        Assert.InRange(delays[0], 80, 120);
        Assert.InRange(delays[1], 160, 240);
        Assert.InRange(delays[2], 320, 480);
    }

    [Fact]
    public async Task A_Retry_After_date_is_honoured_relative_to_the_clock()
    {
        var clock = new ManualClock();
        var retryAt = DateTimeOffset.UnixEpoch.AddTicks((long)(clock.UnixNowNanos / 100)).AddSeconds(7);
        using var handler = new StubHandler((call, _) =>
        {
            if (call > 0)
            {
                return StubHandler.Status(HttpStatusCode.OK);
            }
            var response = StubHandler.Status(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new RetryConditionHeaderValue(retryAt);
            return response;
        });
        using var sender = new OtlpHttpSender(Options(), handler, clock);

        await sender.SendAsync(Payload, CancellationToken.None);

        Assert.Equal([TimeSpan.FromSeconds(7)], clock.Delays);
    }

    [Fact]
    public async Task A_request_the_node_refuses_for_good_is_reported_failed_without_retrying()
    {
        using var handler = new StubHandler((_, _) => StubHandler.Status(HttpStatusCode.BadRequest));
        var clock = new ManualClock();
        using var sender = new OtlpHttpSender(Options(), handler, clock);

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.False(result.Success);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
        Assert.Single(handler.Requests);
        Assert.Empty(clock.Delays);
        Assert.Equal(1, sender.Stats.Failed);
    }

    [Fact]
    public async Task Endless_throttling_is_reported_failed_once_the_retry_budget_is_spent()
    {
        using var handler = new StubHandler((_, _) => Throttle(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(10)));
        var clock = new ManualClock();
        using var sender = new OtlpHttpSender(Options(giveUpAfter: TimeSpan.FromSeconds(35)), handler, clock);

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.False(result.Success);
        Assert.Equal(4, result.Attempts);
        Assert.Equal(4, result.Throttles);
        Assert.Equal(1, sender.Stats.Failed);
    }

    [Fact]
    public async Task A_connection_error_is_retried()
    {
        using var handler = new StubHandler((call, _) => call == 0 ? throw new HttpRequestException("connection refused") : StubHandler.Status(HttpStatusCode.OK));
        var clock = new ManualClock();
        using var sender = new OtlpHttpSender(Options(), handler, clock);

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.True(result.Success);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(0, result.Throttles);
    }

    [Fact]
    public async Task Requests_are_protobuf_posts_to_v1_traces_and_gzip_compresses_the_body()
    {
        using var handler = new StubHandler((_, _) => StubHandler.Status(HttpStatusCode.OK));
        using var sender = new OtlpHttpSender(Options(gzip: true), handler, new ManualClock());

        await sender.SendAsync(Payload, CancellationToken.None);

        var (request, body) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("http://node.test:4318/v1/traces"), request.RequestUri);
        Assert.Equal("application/x-protobuf", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal(["gzip"], request.Content.Headers.ContentEncoding);
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(Payload, plain.ToArray());
    }

    [Fact]
    public async Task Spans_the_node_reports_rejected_in_partial_success_are_counted()
    {
        using var handler = new StubHandler((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(OtlpEncoder.EncodeResponse(5, "invalid span id")) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            return response;
        });
        using var sender = new OtlpHttpSender(Options(), handler, new ManualClock());

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.True(result.Success);
        Assert.Equal(5, result.RejectedSpans);
        Assert.Equal(5, sender.Stats.RejectedSpans);
    }

    [Theory]
    [InlineData("http://n:4318", "http://n:4318/v1/traces")]
    [InlineData("http://n:4318/", "http://n:4318/v1/traces")]
    [InlineData("http://n:4318/otlp", "http://n:4318/otlp/v1/traces")]
    [InlineData("http://n:4318/v1/traces", "http://n:4318/v1/traces")]
    public void The_traces_path_is_appended_unless_the_endpoint_names_it(string endpoint, string expected)
    {
        Assert.Equal(new Uri(expected), OtlpHttpSender.TracesUri(new Uri(endpoint)));
    }
}
