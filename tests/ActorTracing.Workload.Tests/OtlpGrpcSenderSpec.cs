using System.Net;
using System.Net.Http.Headers;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;
using Grpc.Core;

namespace ActorTracing.Workload.Tests;

public sealed class OtlpGrpcSenderSpec
{
    private static readonly byte[] Payload = [0x0a, 0x03, 0x01, 0x02, 0x03];

    /// <summary>A gRPC response as an HTTP/2 server frames it: length-prefixed message, status in trailers.</summary>
    private static HttpResponseMessage GrpcResponse(StatusCode status, byte[]? message = null)
    {
        var body = new MemoryStream();
        if (status == StatusCode.OK)
        {
            message ??= [];
            body.WriteByte(0);
            body.Write([(byte)(message.Length >> 24), (byte)(message.Length >> 16), (byte)(message.Length >> 8), (byte)message.Length]);
            body.Write(message);
        }
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Version = HttpVersion.Version20, Content = new ByteArrayContent(body.ToArray()) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        response.TrailingHeaders.Add("grpc-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return response;
    }

    private static OtlpGrpcSender Sender(StubHandler handler, ManualClock clock) =>
        new(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4317") }, handler, clock);

    [Fact]
    public async Task Export_calls_the_trace_service_with_the_payload_as_the_message()
    {
        using var handler = new StubHandler((_, _) => GrpcResponse(StatusCode.OK, OtlpEncoder.EncodeResponse(2, "bad ids")));
        using var sender = Sender(handler, new ManualClock());

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.True(result.Success);
        Assert.Equal(2, result.RejectedSpans);
        var (request, body) = Assert.Single(handler.Requests);
        Assert.Equal("/opentelemetry.proto.collector.trace.v1.TraceService/Export", request.RequestUri!.AbsolutePath);
        Assert.Equal(0, body[0]);
        Assert.Equal(Payload.Length, body[4]);
        Assert.Equal(Payload, body[5..]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_payload_that_is_a_slice_of_a_longer_pooled_array_is_sent_as_exactly_that_slice(bool gzip)
    {
        using var handler = new StubHandler((_, _) => GrpcResponse(StatusCode.OK));
        using var sender = new OtlpGrpcSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4317"), Gzip = gzip }, handler, new ManualClock());
        // The generator's requests live in rented arrays: bytes past the request belong to nobody.
        var rented = new byte[64];
        Array.Fill(rented, (byte)0xee);
        Payload.CopyTo(rented, 3);

        var result = await sender.SendAsync(new ReadOnlyMemory<byte>(rented, 3, Payload.Length), CancellationToken.None);

        Assert.True(result.Success);
        var (_, body) = Assert.Single(handler.Requests);
        Assert.Equal(gzip ? 1 : 0, body[0]);
        var message = body[5..];
        if (gzip)
        {
            using var inflated = new MemoryStream();
            using (var unzip = new System.IO.Compression.GZipStream(new MemoryStream(message), System.IO.Compression.CompressionMode.Decompress))
            {
                unzip.CopyTo(inflated);
            }
            message = inflated.ToArray();
        }
        Assert.Equal(Payload, message);
    }

    [Fact]
    public async Task Resource_exhausted_and_unavailable_are_backpressure_that_is_retried()
    {
        using var handler = new StubHandler((call, _) => call switch
        {
            0 => GrpcResponse(StatusCode.ResourceExhausted),
            1 => GrpcResponse(StatusCode.Unavailable),
            _ => GrpcResponse(StatusCode.OK),
        });
        var clock = new ManualClock();
        using var sender = Sender(handler, clock);

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.True(result.Success);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(2, result.Throttles);
        Assert.Equal(2, clock.Delays.Count);
        Assert.All(handler.Requests, r => Assert.Equal(Payload, r.Body[5..]));
    }

    [Fact]
    public async Task Resource_exhausted_with_RetryInfo_waits_the_delay_the_node_asked_for()
    {
        var details = GrpcStatusDetails.RetryInfo((int)StatusCode.ResourceExhausted, TimeSpan.FromMilliseconds(2500));
        using var handler = new StubHandler((call, _) =>
        {
            if (call > 0)
            {
                return GrpcResponse(StatusCode.OK);
            }
            var response = GrpcResponse(StatusCode.ResourceExhausted);
            response.TrailingHeaders.Add("grpc-status-details-bin", details);
            return response;
        });
        var clock = new ManualClock();
        using var sender = Sender(handler, clock);

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.True(result.Success);
        Assert.Equal([TimeSpan.FromMilliseconds(2500)], clock.Delays);
    }

    [Fact]
    public async Task A_non_retryable_status_is_reported_failed()
    {
        using var handler = new StubHandler((_, _) => GrpcResponse(StatusCode.InvalidArgument));
        using var sender = Sender(handler, new ManualClock());

        var result = await sender.SendAsync(Payload, CancellationToken.None);

        Assert.False(result.Success);
        Assert.Contains("InvalidArgument", result.Error, StringComparison.Ordinal);
        Assert.Single(handler.Requests);
    }
}
