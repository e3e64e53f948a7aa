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
    /// PayloadAsNewBuffer gives the request its own exact-size array: the decoded spans slice it
    /// and outlive the call, so the framework's pooled buffer could not be used in place.
    /// </summary>
    private static readonly Marshaller<byte[]> RawBytes = new(
        static (bytes, context) => context.Complete(bytes),
        static context => context.PayloadAsNewBuffer());

    public static Method<byte[], byte[]> ExportMethod { get; } = new(MethodType.Unary, ServiceName, MethodName, RawBytes, RawBytes);

    /// <summary>ExportTraceServiceRequest bytes in, ExportTraceServiceResponse bytes out.</summary>
    public abstract Task<byte[]> Export(byte[] request, ServerCallContext context);

    public static void BindService(ServiceBinderBase serviceBinder, OtlpTraceServiceBase? serviceImpl)
    {
        ArgumentNullException.ThrowIfNull(serviceBinder);
        serviceBinder.AddMethod(ExportMethod, serviceImpl is null ? null : serviceImpl.Export);
    }
}
