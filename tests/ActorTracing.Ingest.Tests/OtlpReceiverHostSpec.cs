using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Connections;

namespace ActorTracing.Ingest.Tests;

public sealed class OtlpReceiverHostSpec
{
    [Fact]
    public async Task Both_receivers_are_bound_on_distinct_ports_read_back_after_start()
    {
        await using var host = await ReceiverHost.StartAsync();

        Assert.NotNull(host.Endpoints.Grpc);
        Assert.NotNull(host.Endpoints.Http);
        Assert.NotEqual(host.Endpoints.Grpc.Port, host.Endpoints.Http.Port);
        Assert.Equal(IPAddress.Loopback, host.Endpoints.Http.Address);
    }

    [Fact]
    public async Task A_disabled_receiver_opens_no_listener_and_the_other_still_serves()
    {
        await using var host = await ReceiverHost.StartAsync(ReceiverHost.TestSettings() with { EnableGrpc = false });
        using var client = new HttpClient { BaseAddress = host.HttpUri };
        using var content = new ByteArrayContent(TestRequests.Protobuf());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");

        using var response = await client.PostAsync("v1/traces", content);

        Assert.Null(host.Endpoints.Grpc);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(host.Ingress.Submits);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Inline_io_binds_only_the_http_receiver_with_inline_scheduling_and_both_receivers_serve(bool inline)
    {
        // gRPC stays on the pooled transport: its requests share one HTTP/2 connection, and inline
        // they were handled one after another on its I/O thread. Every other receiver spec runs
        // with the default (inline): bodies, gzip, limits, gRPC.
        await using var host = await ReceiverHost.StartAsync(ReceiverHost.TestSettings() with { InlineIo = inline });
        using var client = new HttpClient { BaseAddress = host.HttpUri };
        using var content = new ByteArrayContent(TestRequests.Protobuf());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(host.GrpcUri);

        using var response = await client.PostAsync("v1/traces", content);
        var grpcStatus = await TestRequests.ExportGrpcAsync(channel);

        var factory = Assert.IsType<InlineIoListenerFactory>(host.Service<IEnumerable<IConnectionListenerFactory>>().Last());
        Assert.Equal(inline ? [host.Endpoints.Http!] : Array.Empty<EndPoint>(), factory.InlineBound.ToArray());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Grpc.Core.StatusCode.OK, grpcStatus);
        Assert.Equal(2, host.Ingress.Submits.Count);
    }
}
