using System.Net;
using System.Net.Http.Headers;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Ingest.Wal;
using ActorTracing.Protocol.Ingress;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorTracing.Ingest.Tests.Wal;

/// <summary>
/// The receivers with a write-ahead log (real Kestrel, real files): an accepted request is on
/// disk before its answer and confirmed once the ingress says its traces are decided; a request
/// the ingress refuses is not written; a full or closed log refuses with a retry hint.
/// </summary>
public sealed class OtlpReceiverLogSpec : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "at-wal-rx-" + Guid.NewGuid().ToString("N"));
    private IngestLog _log = null!;
    private ReceiverHost? _host;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _log = Open(maxBytes: 1024 * 1024);
        _host = await ReceiverHost.StartAsync(log: _log);
        _client = new HttpClient { BaseAddress = Host.HttpUri };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await StopHostAsync();
        _log.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private ReceiverHost Host => _host!;

    private async Task StopHostAsync()
    {
        if (_host is not null)
        {
            await Host.DisposeAsync();
            _host = null;
        }
    }

    private IngestLog Open(long maxBytes) => IngestLog.Open(
        new IngestLogSettings { Directory = _directory, SegmentBytes = 64 * 1024, MaxBytes = maxBytes, SyncInterval = TimeSpan.Zero },
        "test-region",
        NullLogger.Instance);

    [Fact]
    public async Task An_accepted_protobuf_request_is_on_disk_when_answered_and_confirmed_once_its_traces_are_decided()
    {
        var body = TestRequests.Protobuf();
        using var response = await PostAsync(body, "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _log.Appended);
        Assert.Equal(1, _log.Unconfirmed);
        Assert.True(Host.Ingress.Decisions.TryDequeue(out var decision));
        decision.SetResult();
        Assert.True(await _log.WaitForConfirmationsAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task What_was_not_confirmed_is_read_back_as_the_protobuf_the_receiver_decoded_for_json_and_grpc_requests_too()
    {
        using (var json = await PostAsync(TestRequests.Json(), "application/json"))
        {
            Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        }
        using (var channel = GrpcChannel.ForAddress(Host.GrpcUri))
        {
            Assert.Equal(Grpc.Core.StatusCode.OK, await TestRequests.ExportGrpcAsync(channel));
        }
        Assert.Equal(2, _log.Unconfirmed);

        // The node "crashed": its successor reads both back.
        await StopHostAsync();
        _log.Dispose();
        using var again = Open(maxBytes: 1024 * 1024);
        Assert.Equal(2, again.Recovered.Count);
        foreach (var record in again.Recovered)
        {
            Assert.Equal("test-region", record.Segment.Region);
            var decoded = OtlpTraceDecoder.Decode(record.ReadBody(), record.Segment.Region);
            Assert.Equal(3, decoded.AcceptedSpans);
            Assert.Equal([TestRequests.TraceA, TestRequests.TraceB], decoded.Traces.Select(t => t.TraceId));
        }
    }

    [Fact]
    public async Task A_request_the_ingress_refuses_is_not_written()
    {
        Host.Ingress.Answer = IngressResult.Overloaded(TimeSpan.FromSeconds(2), "node buffer full");
        using var response = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(0, _log.Appended);
        Assert.Empty(Host.Ingress.Decisions);
    }

    [Fact]
    public async Task A_request_whose_spans_are_all_invalid_is_not_written()
    {
        var allInvalid = OtlpEncoder.EncodeRequest(
        [
            new ResourceSpansDetail([], [new ScopeSpansDetail(new ScopeDetail("s", "1", []), [new SpanDetail { TraceId = TestRequests.TraceA, SpanId = new SpanId(0), Name = "bad" }])]),
        ]);
        using var response = await PostAsync(allInvalid, "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // partial success: 1 rejected
        Assert.Equal(0, _log.Appended);
    }

    [Fact]
    public async Task A_full_log_refuses_with_retry_after_naming_max_size_and_submits_nothing()
    {
        await StopHostAsync();
        _log.Dispose();
        Directory.Delete(_directory, recursive: true);
        _log = Open(maxBytes: 128 * 1024);
        _host = await ReceiverHost.StartAsync(log: _log);
        using var client = new HttpClient { BaseAddress = Host.HttpUri };
        var big = OtlpEncoder.EncodeRequest(TestRequests.Spans()); // small: fill the log with many
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 2_000 && refused is null; i++)
        {
            var response = await client.PostAsync("v1/traces", Content(big));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                response.Dispose();
            }
            else
            {
                refused = response;
            }
        }
        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Contains("actortracing.ingest.wal.max-size", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var submitted = Host.Ingress.Submits.Count;
        Assert.Equal(submitted, _log.Appended);
        Assert.Equal(1, Host.Counters.RequestsThrottled);
    }

    [Fact]
    public async Task A_closed_log_answers_503_over_http_and_unavailable_over_grpc_with_a_retry_hint()
    {
        _log.Dispose();
        using var response = await PostAsync(TestRequests.Protobuf(), "application/x-protobuf");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("stopping", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var channel = GrpcChannel.ForAddress(Host.GrpcUri);
        var ex = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => TestRequests.ExportGrpcAsync(channel));
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains(ex.Trailers, t => t.Key == "grpc-retry-pushback-ms");
        Assert.Empty(Host.Ingress.Submits);
        Assert.Equal(2, Host.Counters.RequestsUnavailable);
    }

    private static ByteArrayContent Content(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-protobuf");
        return content;
    }

    private Task<HttpResponseMessage> PostAsync(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return _client.PostAsync("v1/traces", content);
    }
}
