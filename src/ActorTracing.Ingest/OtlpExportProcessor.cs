using System.Text.Json;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Ingest.Wal;
using ActorTracing.Protocol.Ingress;

namespace ActorTracing.Ingest;

/// <summary>
/// Decode → submit → log → count, shared by the gRPC and HTTP receivers so both answer the same
/// request the same way. Runs on the request thread: decoding is CPU-only, Submit never blocks,
/// and the write-ahead log's append is one write to the OS.
/// </summary>
/// <param name="log">
/// The host's write-ahead log (<see cref="IngestLog"/>), or null without one. With it an accepted
/// request is written before it is answered and confirmed there once all its traces are decided,
/// which needs an <see cref="IConfirmingIngress"/>.
/// </param>
internal sealed class OtlpExportProcessor(ITraceIngress ingress, IngestSettings settings, IngestCounters counters, IngestLog? log = null)
{
    // Decisions free the log within seconds, and a stopping node is gone as soon: one second, the least Retry-After can say.
    private static readonly TimeSpan LogRetryAfter = TimeSpan.FromSeconds(1);

    private readonly IConfirmingIngress? _confirming = log is null
        ? null
        : ingress as IConfirmingIngress ?? throw new InvalidOperationException("the ingest write-ahead log needs an ingress that confirms decisions (IConfirmingIngress)");

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
        return Submit(decoded, request, protocol, source);
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

    private ExportOutcome Submit(OtlpDecodeResult decoded, ReadOnlyMemory<byte> request, string protocol, SharedBuffer? source)
    {
        if (decoded.RejectedSpans > 0)
        {
            counters.RejectedInvalid(decoded.RejectedSpans, protocol);
        }
        if (decoded.Traces.Count > 0)
        {
            if (log is not null)
            {
                return SubmitLogged(decoded, request, protocol, source, log);
            }
            var result = ingress.Submit(decoded.Traces, protocol, source);
            if (!result.Accepted)
            {
                return Refused(result, decoded, protocol);
            }
            counters.Accepted(decoded.AcceptedSpans, protocol);
        }
        return ExportOutcome.Success(decoded.RejectedSpans, decoded.ErrorMessage);
    }

    /// <summary>
    /// Submit first, then write: a refused request costs no write, and a crash between the two
    /// has no answer sent, so the client sends the request again (its spans are buffered once
    /// per open trace). The write comes before the answer, so an answered request is on disk.
    /// </summary>
    private ExportOutcome SubmitLogged(OtlpDecodeResult decoded, ReadOnlyMemory<byte> request, string protocol, SharedBuffer? source, IngestLog wal)
    {
        if (wal.Closed)
        {
            counters.Unavailable(decoded.AcceptedSpans, protocol);
            return ExportOutcome.Unavailable(LogRetryAfter, "the node is stopping; retry against another node");
        }
        if (wal.OverBound)
        {
            counters.Throttled(decoded.AcceptedSpans, protocol);
            return ExportOutcome.Throttled(
                LogRetryAfter,
                $"the write-ahead log holds {wal.Bytes} bytes of accepted requests waiting for their traces' decisions ({IngestLogSettings.Section}.max-size = {wal.MaxBytes}); retry later");
        }
        var wait = wal.NewWait();
        var result = _confirming!.SubmitUntilDecided(decoded.Traces, protocol, source, wait);
        if (!result.Accepted)
        {
            return Refused(result, decoded, protocol);
        }
        try
        {
            wait.Entry = wal.Append(request);
        }
        catch (IOException ex)
        {
            // The spans are in the pipeline but not safe from a crash: the client sends them
            // again, and an open trace buffers each span once. The wait is never sealed.
            counters.Unavailable(decoded.AcceptedSpans, protocol);
            return ExportOutcome.Unavailable(LogRetryAfter, "the write-ahead log could not take the request: " + ex.Message);
        }
        // Only now can the outcome come: the entry it names is set.
        wait.Ready();
        counters.Accepted(decoded.AcceptedSpans, protocol);
        return ExportOutcome.Success(decoded.RejectedSpans, decoded.ErrorMessage);
    }

    private ExportOutcome Refused(IngressResult result, OtlpDecodeResult decoded, string protocol)
    {
        counters.Throttled(decoded.AcceptedSpans, protocol);
        return ExportOutcome.Throttled(result.RetryAfter, result.Reason ?? "the node is overloaded");
    }
}
