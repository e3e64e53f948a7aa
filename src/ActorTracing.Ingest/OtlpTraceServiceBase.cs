using System.Buffers;
using ActorTracing.Domain;
using Grpc.Core;

namespace ActorTracing.Ingest;

/// <summary>
/// The OTLP/gRPC service contract written the way Grpc.Tools would generate it, without the .proto:
/// Grpc.AspNetCore finds <see cref="BindService"/> through <see cref="BindServiceMethodAttribute"/>,
/// calls it with a null implementation, and routes each added method to the public virtual method
/// of the same name on the mapped service type. Messages stay raw bytes: our own decoder reads
/// them, so there is nothing for a generated message class to do but copy.
/// </summary>
[BindServiceMethod(typeof(OtlpTraceServiceBase), nameof(BindService))]
internal abstract class OtlpTraceServiceBase
{
    public const string ServiceName = "opentelemetry.proto.collector.trace.v1.TraceService";
    public const string MethodName = "Export";

    /// <summary>
    /// The request is copied out of the framework's buffer (reused once the call returns) into a
    /// pooled <see cref="SharedBuffer"/>: the decoded spans slice it until the trace shards have
    /// copied them. The service holds its one share and gives it back when the call is done.
    /// </summary>
    private static readonly Marshaller<SharedBuffer> RequestBody = new(
        static (body, context) => context.Complete(body.Memory.ToArray()),
        static context =>
        {
            var payload = context.PayloadAsReadOnlySequence();
            var body = SharedBufferPool.Requests.Rent(checked((int)payload.Length));
            payload.CopyTo(body.Writable.Span);
            return body;
        });

    private static readonly Marshaller<byte[]> RawBytes = new(
        static (bytes, context) => context.Complete(bytes),
        static context => context.PayloadAsNewBuffer());

    public static Method<SharedBuffer, byte[]> ExportMethod { get; } = new(MethodType.Unary, ServiceName, MethodName, RequestBody, RawBytes);

    /// <summary>ExportTraceServiceRequest bytes in (one share, the callee's to give back), ExportTraceServiceResponse bytes out.</summary>
    public abstract Task<byte[]> Export(SharedBuffer request, ServerCallContext context);

    public static void BindService(ServiceBinderBase serviceBinder, OtlpTraceServiceBase? serviceImpl)
    {
        ArgumentNullException.ThrowIfNull(serviceBinder);
        serviceBinder.AddMethod(ExportMethod, serviceImpl is null ? null : serviceImpl.Export);
    }
}
