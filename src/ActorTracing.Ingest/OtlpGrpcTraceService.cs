using System.Diagnostics;
using System.Globalization;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Ingest;

/// <summary>
/// OTLP/gRPC TraceService/Export. Failures map to the codes the OTLP spec gives them: malformed →
/// INVALID_ARGUMENT (not retried); overloaded → RESOURCE_EXHAUSTED carrying google.rpc.RetryInfo,
/// which is what makes that code retryable for OTLP clients, plus grpc-retry-pushback-ms for gRPC's
/// own retry policy; invalid spans → OK with partial_success. Oversize messages never get here:
/// the framework (and <see cref="BoundedGzipCompressionProvider"/> after inflation) reject them
/// with RESOURCE_EXHAUSTED.
/// </summary>
internal sealed partial class OtlpGrpcTraceService(OtlpExportProcessor processor, ILogger<OtlpGrpcTraceService> logger) : OtlpTraceServiceBase
{
    public override Task<byte[]> Export(SharedBuffer request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        processor.Counters.RequestReceived(OtlpProtocols.Grpc);
        ExportOutcome outcome;
        try
        {
            outcome = processor.ProcessProtobuf(request, OtlpProtocols.Grpc);
        }
#pragma warning disable CA1031 // A bug must become a logged INTERNAL with a message, not an opaque "Exception was thrown by handler".
        catch (Exception ex)
#pragma warning restore CA1031
        {
            processor.Counters.Failed();
            LogFailed(logger, ex);
            throw new RpcException(new Status(StatusCode.Internal, "internal error: " + ex.Message));
        }
        finally
        {
            // The service's share: what the pipeline kept of the body holds shares of its own.
            request.Release();
            // The answer is the status or message returned below, built without waiting.
            processor.Counters.Answered(OtlpProtocols.Grpc, Stopwatch.GetElapsedTime(started));
        }

        switch (outcome.Kind)
        {
            case ExportOutcomeKind.Malformed:
                throw new RpcException(new Status(StatusCode.InvalidArgument, outcome.Message ?? "malformed request"));
            case ExportOutcomeKind.Throttled or ExportOutcomeKind.Unavailable:
                var throttled = outcome.Kind == ExportOutcomeKind.Throttled;
                var message = outcome.Message ?? (throttled ? "overloaded" : "unavailable");
                var pushbackMs = Math.Max(1, (long)Math.Ceiling(outcome.RetryAfter.TotalMilliseconds));
                var trailers = new Metadata
                {
                    { "grpc-retry-pushback-ms", pushbackMs.ToString(CultureInfo.InvariantCulture) },
                    { "grpc-status-details-bin", RpcStatus.EncodeProtobuf(throttled ? RpcStatus.ResourceExhausted : RpcStatus.Unavailable, message, TimeSpan.FromMilliseconds(pushbackMs)) },
                };
                throw new RpcException(new Status(throttled ? StatusCode.ResourceExhausted : StatusCode.Unavailable, message), trailers);
            default:
                return Task.FromResult(OtlpEncoder.EncodeResponse(outcome.RejectedSpans, outcome.Message));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "OTLP/gRPC export failed on a bug")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
