using System.Text.Json;
using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Ingress;

namespace ActorTracing.Ingest;

/// <summary>
/// Decode → submit → count, shared by the gRPC and HTTP receivers so both answer the same
/// request the same way. Runs on the request thread: decoding is CPU-only and Submit never blocks.
/// </summary>
internal sealed class OtlpExportProcessor(ITraceIngress ingress, IngestSettings settings, IngestCounters counters)
{
    public IngestCounters Counters => counters;

    /// <summary>Processes an ExportTraceServiceRequest in protobuf. The decoded spans keep slices of
    /// <paramref name="request"/>, so its array must never be reused or returned to a pool.</summary>
    public ExportOutcome ProcessProtobuf(ReadOnlyMemory<byte> request, string protocol)
    {
        OtlpDecodeResult decoded;
        try
        {
            decoded = OtlpTraceDecoder.Decode(request, settings.Region);
        }
        catch (FormatException ex)
        {
            counters.Malformed();
            return ExportOutcome.Malformed("malformed ExportTraceServiceRequest: " + ex.Message);
        }
        return Submit(decoded, protocol);
    }

    /// <summary>Processes an ExportTraceServiceRequest in OTLP/JSON.</summary>
    public ExportOutcome ProcessJson(ReadOnlySpan<byte> json, string protocol)
    {
        byte[] protobuf;
        try
        {
            protobuf = OtlpJsonTranscoder.ToProtobuf(json);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            counters.Malformed();
            return ExportOutcome.Malformed("malformed OTLP/JSON ExportTraceServiceRequest: " + ex.Message);
        }
        return ProcessProtobuf(protobuf, protocol);
    }

    private ExportOutcome Submit(OtlpDecodeResult decoded, string protocol)
    {
        if (decoded.RejectedSpans > 0)
        {
            counters.RejectedInvalid(decoded.RejectedSpans, protocol);
        }
        if (decoded.Traces.Count > 0)
        {
            var result = ingress.Submit(decoded.Traces, protocol);
            if (!result.Accepted)
            {
                counters.Throttled(decoded.AcceptedSpans, protocol);
                return ExportOutcome.Throttled(result.RetryAfter, result.Reason ?? "the node is overloaded");
            }
            counters.Accepted(decoded.AcceptedSpans, protocol);
        }
        return ExportOutcome.Success(decoded.RejectedSpans, decoded.ErrorMessage);
    }
}
