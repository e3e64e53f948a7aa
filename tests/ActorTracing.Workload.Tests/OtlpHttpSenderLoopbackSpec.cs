using System.Net;
using System.Net.Sockets;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

/// <summary>The HTTP sender over a real socket (the default transport), against a loopback HttpListener.</summary>
public sealed class OtlpHttpSenderLoopbackSpec
{
    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_generated_batch_arrives_over_the_wire_decodable_with_every_span()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var model = new EdgeTrafficModel(21);
        var traces = Enumerable.Range(0, 40).Select(i => model.NextTrace(ManualClock.Epoch + (ulong)i)).ToList();
        var payload = OtlpEncoder.EncodeRequest(OtlpBatchBuilder.Group(traces.SelectMany(t => t.AllSpans())));
        using var sender = new OtlpHttpSender(new OtlpSenderOptions { Endpoint = new Uri($"http://127.0.0.1:{port}"), Gzip = false }, clock: new ManualClock());

        var sending = sender.SendAsync(payload, CancellationToken.None);
        var context = await listener.GetContextAsync();
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var received = OtlpTraceDecoder.Decode(body.ToArray(), "unknown");
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-protobuf";
        var ack = OtlpEncoder.EncodeResponse(0, null);
        await context.Response.OutputStream.WriteAsync(ack);
        context.Response.Close();
        var result = await sending;

        Assert.True(result.Success);
        Assert.Equal("/v1/traces", context.Request.Url!.AbsolutePath);
        Assert.Equal("application/x-protobuf", context.Request.ContentType);
        Assert.Equal(traces.Sum(t => t.Truth.SpanCount), received.AcceptedSpans);
        Assert.Equal(traces.Select(t => t.Truth.TraceId).ToHashSet(), received.Traces.Select(t => t.TraceId).ToHashSet());
    }
}
