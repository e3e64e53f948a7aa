using System.Text.Json;
using ActorTracing.Domain;
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

    /// <summary>Processes an ExportTraceServiceRequest in protobuf held by <paramref name="source"/>.
    /// The decoded spans slice it; the ingress takes shares for whatever outlives the call, and
    /// the caller keeps its own share until this returns.</summary>
    public ExportOutcome ProcessProtobuf(SharedBuffer source, string protocol) => ProcessProtobuf(source.Memory, protocol, source);

    /// <summary>Processes an ExportTraceServiceRequest in protobuf. The decoded spans keep slices of
    /// <paramref name="request"/>: without a <paramref name="source"/> its array must never be
    /// reused or returned to a pool.</summary>
    private ExportOutcome ProcessProtobuf(ReadOnlyMemory<byte> request, string protocol, SharedBuffer? source)
    {
        OtlpDecodeResult decoded;
        try
        {
            // Transient: the traces' list is read only by the synchronous Submit below.
            decoded = OtlpTraceDecoder.DecodeTransient(request, settings.Region);
        }
        catch (FormatException ex)
        {
            counters.Malformed();
            return ExportOutcome.Malformed("malformed ExportTraceServiceRequest: " + ex.Message);
        }
        return Submit(decoded, protocol, source);
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
        return ProcessProtobuf(protobuf, protocol, source: null);
    }

    private ExportOutcome Submit(OtlpDecodeResult decoded, string protocol, SharedBuffer? source)
    {
        if (decoded.RejectedSpans > 0)
        {
            counters.RejectedInvalid(decoded.RejectedSpans, protocol);
        }
        if (decoded.Traces.Count > 0)
        {
            var result = ingress.Submit(decoded.Traces, protocol, source);
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
