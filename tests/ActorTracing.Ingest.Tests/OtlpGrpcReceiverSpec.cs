using ActorTracing.Domain.Wire;
using ActorTracing.Protocol.Ingress;
using Grpc.Core;
using Grpc.Net.Client;

namespace ActorTracing.Ingest.Tests;

public sealed class OtlpGrpcReceiverSpec : IAsyncLifetime
{
    private ReceiverHost _host = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _host = await ReceiverHost.StartAsync(ReceiverHost.TestSettings(maxRequestBytes: 64 * 1024));
        _channel = GrpcChannel.ForAddress(_host.GrpcUri);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task An_export_is_submitted_per_trace_and_answered_with_an_empty_response()
    {
        var response = await CallAsync(TestRequests.Protobuf());

        Assert.Empty(response);
        var submit = Assert.Single(_host.Ingress.Submits);
        Assert.Equal(OtlpProtocols.Grpc, submit.Protocol);
        Assert.Equal([TestRequests.TraceA.ToHex(), TestRequests.TraceB.ToHex()], submit.Traces.Select(t => t.TraceId.ToHex()).Order().ToArray());
        Assert.Equal(3, submit.Traces.Sum(t => t.Spans.Count));
        Assert.Equal(1, _host.Counters.RequestsReceivedGrpc);
        // Timed before the answer is returned, so it is counted by the time the client has it.
        Assert.Equal(1, _host.Counters.RequestDuration(OtlpProtocols.Grpc).Snapshot().Cumulative[^1]);
        Assert.True(_host.Counters.RequestDuration(OtlpProtocols.Grpc).Snapshot().SumSeconds > 0);
        Assert.Equal(3, _host.Counters.SpansAccepted);
        Assert.Equal(3, _host.Counters.Spans(OtlpProtocols.Grpc, "accepted"));
        Assert.Equal(0, _host.Counters.Spans(OtlpProtocols.HttpProtobuf, "accepted"));
    }

    [Fact]
    public async Task The_message_is_shared_with_the_pipeline_and_the_service_gives_its_own_share_back_before_answering()
    {
        await CallAsync(TestRequests.Protobuf());
        Assert.Equal(1, Assert.Single(_host.Ingress.Sources).Shares);

        _host.Ingress.KeepSpans = false;
        await CallAsync(TestRequests.Protobuf());
        Assert.Equal(0, _host.Ingress.Sources.Last().Shares);

        _host.Ingress.Answer = IngressResult.Overloaded(TimeSpan.FromSeconds(1), "test: overloaded");
        var refused = await Assert.ThrowsAsync<RpcException>(() => CallAsync(TestRequests.Protobuf()));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(0, _host.Ingress.Sources.Last().Shares);
    }

    [Fact]
    public async Task A_gzip_compressed_export_is_inflated_and_submitted()
    {
        var response = await CallAsync(TestRequests.Protobuf(), gzip: true);

        Assert.Empty(response);
        Assert.Equal(3, _host.Ingress.AllTraces.Sum(t => t.Spans.Count));
    }

    [Fact]
    public async Task Spans_with_invalid_ids_are_reported_as_partial_success_and_the_rest_are_submitted()
    {
        var response = await CallAsync(TestRequests.Protobuf(invalidSpans: 2));

        var (rejected, message) = OtlpHttpReceiverSpec.ReadPartialSuccess(response);
        Assert.Equal(2, rejected);
        Assert.False(string.IsNullOrEmpty(message));
        Assert.Equal(3, _host.Ingress.AllTraces.Sum(t => t.Spans.Count));
    }

    [Fact]
    public async Task A_malformed_request_fails_with_invalid_argument_and_a_message()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => CallAsync([0x0A, 100, 1, 2]));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("malformed ExportTraceServiceRequest", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_host.Ingress.Submits);
    }

    [Fact]
    public async Task A_message_over_the_limit_fails_with_resource_exhausted()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => CallAsync(new byte[65 * 1024]));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Empty(_host.Ingress.Submits);
    }

    [Fact]
    public async Task A_small_gzip_message_that_inflates_past_the_limit_fails_with_resource_exhausted()
    {
        // 4 MiB of zeros compresses to a few KiB: well under the frame limit, far over it inflated.
        var ex = await Assert.ThrowsAsync<RpcException>(() => CallAsync(new byte[4 * 1024 * 1024], gzip: true));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("inflated", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, _host.Counters.RequestsRejectedOversize);
        Assert.Empty(_host.Ingress.Submits);
    }

    [Fact]
    public async Task An_overloaded_ingress_fails_with_resource_exhausted_carrying_retry_info_and_pushback()
    {
        _host.Ingress.Answer = IngressResult.Overloaded(TimeSpan.FromMilliseconds(2500), "memory budget exceeded");

        var ex = await Assert.ThrowsAsync<RpcException>(() => CallAsync(TestRequests.Protobuf()));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("memory budget exceeded", ex.Status.Detail);
        Assert.Equal("2500", ex.Trailers.GetValue("grpc-retry-pushback-ms"));
        var details = ex.Trailers.GetValueBytes("grpc-status-details-bin");
        Assert.NotNull(details);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), ReadRetryDelay(details));
        Assert.Equal(1, _host.Counters.RequestsThrottled);
    }

    [Fact]
    public async Task A_bug_behind_the_receiver_fails_with_internal_and_its_message()
    {
        _host.Ingress.Failure = new InvalidOperationException("boom");

        var ex = await Assert.ThrowsAsync<RpcException>(() => CallAsync(TestRequests.Protobuf()));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Equal("internal error: boom", ex.Status.Detail);
        Assert.Equal(1, _host.Counters.RequestsFailed);
    }

    private async Task<byte[]> CallAsync(byte[] request, bool gzip = false)
    {
        var headers = new Metadata();
        if (gzip)
        {
            // Grpc.Net.Client's switch for compressing the request message.
            headers.Add("grpc-internal-encoding-request", "gzip");
        }
        return await _channel.CreateCallInvoker().AsyncUnaryCall(TestRequests.GrpcExport, null, new CallOptions(headers), request);
    }

    /// <summary>Finds google.rpc.RetryInfo.retry_delay in a google.rpc.Status's details (Any, field 3).</summary>
    private static TimeSpan? ReadRetryDelay(byte[] status)
    {
        var reader = new ProtoReader(status);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field != 3)
            {
                reader.Skip(wireType);
                continue;
            }
            var any = new ProtoReader(reader.ReadLengthDelimited());
            string? typeUrl = null;
            ReadOnlySpan<byte> value = default;
            while (any.TryReadTag(out var anyField, out var anyType))
            {
                if (anyField == 1)
                {
                    typeUrl = any.ReadString();
                }
                else if (anyField == 2)
                {
                    value = any.ReadLengthDelimited();
                }
                else
                {
                    any.Skip(anyType);
                }
            }
            if (typeUrl != "type.googleapis.com/google.rpc.RetryInfo")
            {
                continue;
            }
            var retryInfo = new ProtoReader(value);
            while (retryInfo.TryReadTag(out var riField, out var riType))
            {
                if (riField != 1)
                {
                    retryInfo.Skip(riType);
                    continue;
                }
                var duration = new ProtoReader(retryInfo.ReadLengthDelimited());
                long seconds = 0, nanos = 0;
                while (duration.TryReadTag(out var dField, out var dType))
                {
                    switch (dField)
                    {
                        case 1:
                            seconds = (long)duration.ReadVarint();
                            break;
                        case 2:
                            nanos = (long)duration.ReadVarint();
                            break;
                        default:
                            duration.Skip(dType);
                            break;
                    }
                }
                return TimeSpan.FromSeconds(seconds) + TimeSpan.FromTicks(nanos / 100);
            }
        }
        return null;
    }
}
