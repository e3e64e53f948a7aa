using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ActorTracing.Domain.Wire;
using ActorTracing.Protocol.Ingress;

namespace ActorTracing.Ingest.Tests;

public sealed class OtlpHttpReceiverSpec : IAsyncLifetime
{
    private ReceiverHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await ReceiverHost.StartAsync(ReceiverHost.TestSettings(maxRequestBytes: 64 * 1024));
        _client = new HttpClient { BaseAddress = _host.HttpUri };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_protobuf_export_is_submitted_per_trace_and_answered_with_an_empty_protobuf_response()
    {
        using var response = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var submit = Assert.Single(_host.Ingress.Submits);
        Assert.Equal(OtlpProtocols.HttpProtobuf, submit.Protocol);
        Assert.Equal([TestRequests.TraceA.ToHex(), TestRequests.TraceB.ToHex()], submit.Traces.Select(t => t.TraceId.ToHex()).Order().ToArray());
        Assert.Equal(3, submit.Traces.Sum(t => t.Spans.Count));
        Assert.All(submit.Traces.SelectMany(t => t.Spans), s => Assert.Equal("test-region", s.Origin.Region));
        Assert.Equal(1, _host.Counters.RequestsReceivedHttpProtobuf);
        Assert.Equal(3, _host.Counters.SpansAccepted);
        Assert.Equal(1, AnsweredCount(OtlpProtocols.HttpProtobuf, 1));
        Assert.Equal(0, AnsweredCount(OtlpProtocols.HttpJson, 0));
    }

    /// <summary>
    /// Requests of <paramref name="protocol"/> the receiver timed: the handler records after the
    /// response went out, so the client may read the answer a moment before; waits (boundedly)
    /// for <paramref name="expected"/>, then returns whatever the count is.
    /// </summary>
    private long AnsweredCount(string protocol, long expected)
    {
        long Count() => _host.Counters.RequestDuration(protocol).Snapshot().Cumulative[^1];
        SpinWait.SpinUntil(() => Count() == expected, TimeSpan.FromSeconds(5));
        return Count();
    }

    [Fact]
    public async Task The_body_is_shared_with_the_pipeline_and_the_receiver_gives_its_own_share_back_before_answering()
    {
        using var kept = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf");
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        // Only the ingress's share is left: the body goes back to the pool when the pipeline is done.
        Assert.Equal(1, Assert.Single(_host.Ingress.Sources).Shares);

        _host.Ingress.KeepSpans = false;
        using var copied = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf");
        Assert.Equal(0, _host.Ingress.Sources.Last().Shares);

        _host.Ingress.Answer = IngressResult.Overloaded(TimeSpan.FromSeconds(1), "test: overloaded");
        using var refused = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(0, _host.Ingress.Sources.Last().Shares);
    }

    [Fact]
    public async Task A_json_export_is_submitted_and_answered_with_an_empty_json_object()
    {
        using var response = await PostAsync(TestRequests.Json(), "application/json; charset=utf-8");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        var submit = Assert.Single(_host.Ingress.Submits);
        Assert.Equal(OtlpProtocols.HttpJson, submit.Protocol);
        Assert.Equal(3, submit.Traces.Sum(t => t.Spans.Count));
        Assert.Equal(1, _host.Counters.RequestsReceivedHttpJson);
    }

    [Fact]
    public async Task A_gzip_encoded_protobuf_export_is_inflated_and_submitted()
    {
        using var response = await PostAsync(TestRequests.Gzip(TestRequests.Protobuf()), "application/x-protobuf", gzip: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, _host.Ingress.AllTraces.Sum(t => t.Spans.Count));
    }

    [Fact]
    public async Task A_gzip_encoded_json_export_sent_chunked_is_inflated_and_submitted()
    {
        using var response = await PostAsync(TestRequests.Gzip(TestRequests.Json()), "application/json", gzip: true, chunked: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, _host.Ingress.AllTraces.Sum(t => t.Spans.Count));
    }

    [Fact]
    public async Task Spans_with_invalid_ids_are_reported_as_partial_success_and_the_rest_are_submitted()
    {
        using var response = await PostAsync(TestRequests.Protobuf(invalidSpans: 2), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (rejected, message) = ReadPartialSuccess(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, rejected);
        Assert.False(string.IsNullOrEmpty(message));
        Assert.Equal(3, _host.Ingress.AllTraces.Sum(t => t.Spans.Count));
        Assert.Equal(2, _host.Counters.SpansRejectedInvalid);
        Assert.Equal(2, _host.Counters.Spans(OtlpProtocols.HttpProtobuf, "rejected_invalid") + _host.Counters.Spans(OtlpProtocols.HttpJson, "rejected_invalid"));
    }

    [Fact]
    public async Task Partial_success_over_json_carries_rejected_spans_as_a_string()
    {
        using var response = await PostAsync(TestRequests.Json(invalidSpans: 2), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var partial = json.RootElement.GetProperty("partialSuccess");
        Assert.Equal("2", partial.GetProperty("rejectedSpans").GetString());
        Assert.False(string.IsNullOrEmpty(partial.GetProperty("errorMessage").GetString()));
        Assert.Equal(3, _host.Ingress.AllTraces.Sum(t => t.Spans.Count));
    }

    [Fact]
    public async Task A_malformed_protobuf_body_is_answered_400_with_a_protobuf_status_naming_the_problem()
    {
        // Field 1 (resource_spans), length-delimited, claims 100 bytes but carries 2.
        using var response = await PostAsync([0x0A, 100, 1, 2], "application/x-protobuf");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var (code, message) = ReadStatus(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, code);
        Assert.StartsWith("malformed ExportTraceServiceRequest", message, StringComparison.Ordinal);
        Assert.Empty(_host.Ingress.Submits);
        Assert.Equal(1, _host.Counters.RequestsRejectedMalformed);
        // Refusals are answers too, and are timed.
        Assert.Equal(1, AnsweredCount(OtlpProtocols.HttpProtobuf, 1));
    }

    [Fact]
    public async Task A_malformed_json_body_is_answered_400_with_a_json_status()
    {
        using var response = await PostAsync("{\"resourceSpans\": [ {"u8.ToArray(), "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, json.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("OTLP/JSON", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_host.Ingress.Submits);
    }

    [Fact]
    public async Task A_body_that_is_not_gzip_but_says_so_is_answered_400()
    {
        using var response = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf", gzip: true);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("gzip", ReadStatus(await response.Content.ReadAsByteArrayAsync()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_declared_content_length_over_the_limit_is_answered_413()
    {
        using var response = await PostAsync(new byte[65 * 1024], "application/x-protobuf");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("max-request-size", ReadStatus(await response.Content.ReadAsByteArrayAsync()).Message, StringComparison.Ordinal);
        Assert.Equal(1, _host.Counters.RequestsRejectedOversize);
    }

    [Fact]
    public async Task A_chunked_body_that_streams_past_the_limit_is_answered_413()
    {
        using var response = await PostAsync(new byte[65 * 1024], "application/x-protobuf", chunked: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_small_gzip_body_that_inflates_past_the_limit_is_answered_413()
    {
        var bomb = TestRequests.Gzip(new byte[4 * 1024 * 1024]);
        Assert.True(bomb.Length < 64 * 1024);

        using var response = await PostAsync(bomb, "application/x-protobuf", gzip: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_host.Ingress.Submits);
    }

    [Fact]
    public async Task An_unsupported_content_type_is_answered_415()
    {
        using var response = await PostAsync(TestRequests.Protobuf(), "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("text/plain", ReadStatus(await response.Content.ReadAsByteArrayAsync()).Message, StringComparison.Ordinal);
        Assert.Empty(_host.Ingress.Submits);
        // No protocol, so no duration (by protocol) to put it in.
        Assert.All(IngestCounters.Protocols, p => Assert.Equal(0, AnsweredCount(p, 0)));
    }

    [Fact]
    public async Task An_unsupported_content_encoding_is_answered_415()
    {
        using var content = new ByteArrayContent(TestRequests.Protobuf());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("br");

        using var response = await _client.PostAsync("v1/traces", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task An_overloaded_ingress_is_answered_429_with_retry_after_in_whole_seconds()
    {
        _host.Ingress.Answer = IngressResult.Overloaded(TimeSpan.FromMilliseconds(2500), "memory budget exceeded");

        using var response = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        var (code, message) = ReadStatus(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(8, code);
        Assert.Equal("memory budget exceeded", message);
        Assert.Equal(1, _host.Counters.RequestsThrottled);
        Assert.Equal(3, _host.Counters.SpansRejectedOverloaded);
        Assert.Equal(0, _host.Counters.SpansAccepted);
    }

    [Fact]
    public async Task A_bug_behind_the_receiver_is_answered_500_with_its_message_and_counted()
    {
        _host.Ingress.Failure = new InvalidOperationException("boom");

        using var response = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal((13, "internal error: boom"), ReadStatus(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal(1, _host.Counters.RequestsFailed);
    }

    [Fact]
    public async Task Methods_other_than_post_are_answered_405()
    {
        using var response = await _client.GetAsync("v1/traces");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] body, string contentType, bool gzip = false, bool chunked = false)
    {
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/traces") { Content = content };
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }
        return await _client.SendAsync(request);
    }

    /// <summary>Reads google.rpc.Status {1: code, 2: message} independently of the receiver's writer.</summary>
    internal static (int Code, string Message) ReadStatus(byte[] bytes)
    {
        var reader = new ProtoReader(bytes);
        var code = 0;
        var message = string.Empty;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    code = (int)reader.ReadVarint();
                    break;
                case 2:
                    message = reader.ReadString();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return (code, message);
    }

    /// <summary>Reads ExportTraceServiceResponse.partial_success {1: rejected_spans, 2: error_message}.</summary>
    internal static (long Rejected, string Message) ReadPartialSuccess(byte[] bytes)
    {
        var outer = new ProtoReader(bytes);
        while (outer.TryReadTag(out var field, out var wireType))
        {
            if (field != 1)
            {
                outer.Skip(wireType);
                continue;
            }
            var reader = new ProtoReader(outer.ReadLengthDelimited());
            long rejected = 0;
            var message = string.Empty;
            while (reader.TryReadTag(out var inner, out var innerType))
            {
                switch (inner)
                {
                    case 1:
                        rejected = (long)reader.ReadVarint();
                        break;
                    case 2:
                        message = reader.ReadString();
                        break;
                    default:
                        reader.Skip(innerType);
                        break;
                }
            }
            return (rejected, message);
        }
        return (0, string.Empty);
    }
}
