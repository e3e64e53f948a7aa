using System.Diagnostics;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Ingest;
using ActorTracing.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTracing.Integration.Tests;

/// <summary>
/// The load generator's blocking transports (its own HTTP/1.1 and HTTP/2 clients, not a library's)
/// against a running node's real OTLP receivers: what the bench measures must be what a client sees.
/// </summary>
public sealed class BlockingSendersToNodeSpec
{
    [Theory]
    [InlineData(OtlpProtocol.Grpc, false, "it_block_grpc")]
    [InlineData(OtlpProtocol.Grpc, true, "it_block_grpc_gz")]
    [InlineData(OtlpProtocol.HttpProtobuf, false, "it_block_http")]
    [InlineData(OtlpProtocol.HttpProtobuf, true, "it_block_http_gz")]
    public async Task Requests_are_accepted_with_partial_success_and_malformed_ones_refused_without_retry(OtlpProtocol protocol, bool gzip, string database)
    {
        var node = await EmbeddedNodeFixture.StartNodeAsync(database);
        try
        {
            var endpoints = node.Services.GetRequiredService<OtlpReceiverEndpoints>();
            var options = new OtlpSenderOptions { Endpoint = protocol == OtlpProtocol.Grpc ? endpoints.GrpcUri! : endpoints.HttpUri!, Gzip = gzip };
            using IBlockingOtlpSender sender = protocol == OtlpProtocol.Grpc ? new OtlpGrpcSender(options) : new OtlpHttpSender(options);
            Assert.True(sender.CanSendBlocking);
            var counters = node.Services.GetRequiredService<IngestCounters>();

            // 20 requests of 3 good spans and one without a span id, on one thread as a generator's sender sends.
            for (var i = 0; i < 20; i++)
            {
                var result = sender.Send(Request(i), CancellationToken.None);
                Assert.True(result.Success, result.Error);
                Assert.Equal(1, result.Attempts);
                Assert.Equal(1, result.RejectedSpans);
            }
            Assert.Equal(60, counters.SpansAccepted);
            Assert.Equal(20, counters.SpansRejectedInvalid);
            Assert.Equal(20, protocol == OtlpProtocol.Grpc ? counters.RequestsReceivedGrpc : counters.RequestsReceivedHttpProtobuf);

            var malformed = sender.Send(new byte[] { 0x0a, 0xff, 0xff, 0xff }, CancellationToken.None);
            Assert.False(malformed.Success);
            Assert.Equal(1, malformed.Attempts);
            Assert.Contains(protocol == OtlpProtocol.Grpc ? "InvalidArgument" : "HTTP 400", malformed.Error, StringComparison.Ordinal);
            Assert.Equal(1, counters.RequestsRejectedMalformed);

            // Every good span's trace is decided: nothing the sender counted accepted was lost on the way.
            var sw = Stopwatch.StartNew();
            while (node.Gauges.TracesDecided < 20 && sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }
            Assert.Equal(20, node.Gauges.TracesDecided);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    /// <summary>One trace: a root and two children, plus a span with no id (refused, partial success).</summary>
    private static byte[] Request(int index)
    {
        var trace = new TraceId(0x5eed, (ulong)index + 1);
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        SpanDetail Span(ulong id, ulong parent, string name) => new()
        {
            TraceId = trace,
            SpanId = new SpanId(id),
            ParentSpanId = new SpanId(parent),
            Name = name,
            Kind = SpanKind.Server,
            StartUnixNano = start,
            EndUnixNano = start + 1_000_000,
        };
        return OtlpEncoder.EncodeRequest(
        [
            new ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("checkout"))],
                [new ScopeSpansDetail(new ScopeDetail("it", "1", []), [Span(1, 0, "GET /"), Span(2, 1, "db"), Span(3, 1, "cache"), Span(0, 1, "no id")])]),
        ]);
    }
}
