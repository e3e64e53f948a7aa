using System.IO.Compression;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Ingest.Tests;

/// <summary>Export requests built with the domain encoder: valid spans in known traces, optionally some with invalid ids.</summary>
internal static class TestRequests
{
    public static readonly TraceId TraceA = new(0x0102030405060708, 0x1112131415161718);
    public static readonly TraceId TraceB = new(0x2122232425262728, 0x3132333435363738);

    public static IReadOnlyList<ResourceSpansDetail> Spans(int invalidSpans = 0)
    {
        var spans = new List<SpanDetail>
        {
            Span(TraceA, 1, "GET /a"),
            Span(TraceA, 2, "db.query", parent: 1),
            Span(TraceB, 3, "GET /b"),
        };
        for (var i = 0; i < invalidSpans; i++)
        {
            // An all-zero span id is invalid per the OTLP spec: the decoder rejects the span, not the request.
            spans.Add(Span(TraceB, 0, "bad-" + i));
        }
        return
        [
            new ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("checkout"))],
                [new ScopeSpansDetail(new ScopeDetail("test-scope", "1.0", []), spans)]),
        ];
    }

    // The client's own contract, written from the OTLP proto's names, not shared with the server.
    private static readonly Grpc.Core.Marshaller<byte[]> Raw = Grpc.Core.Marshallers.Create(static b => b, static b => b);

    public static readonly Grpc.Core.Method<byte[], byte[]> GrpcExport = new(
        Grpc.Core.MethodType.Unary, "opentelemetry.proto.collector.trace.v1.TraceService", "Export", Raw, Raw);

    /// <summary>Exports <see cref="Protobuf"/> over gRPC and returns the call's status.</summary>
    public static async Task<Grpc.Core.StatusCode> ExportGrpcAsync(Grpc.Net.Client.GrpcChannel channel)
    {
        using var call = channel.CreateCallInvoker().AsyncUnaryCall(GrpcExport, null, new Grpc.Core.CallOptions(), Protobuf());
        await call.ResponseAsync;
        return call.GetStatus().StatusCode;
    }

    public static byte[] Protobuf(int invalidSpans = 0) => OtlpEncoder.EncodeRequest(Spans(invalidSpans));

    public static byte[] Json(int invalidSpans = 0) => OtlpEncoder.EncodeRequestJson(Spans(invalidSpans));

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }
        return output.ToArray();
    }

    private static SpanDetail Span(TraceId trace, ulong id, string name, ulong parent = 0) => new()
    {
        TraceId = trace,
        SpanId = new SpanId(id),
        ParentSpanId = new SpanId(parent),
        Name = name,
        StartUnixNano = 1_700_000_000_000_000_000,
        EndUnixNano = 1_700_000_000_010_000_000,
    };
}
