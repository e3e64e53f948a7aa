namespace ActorTracing.Domain.Otlp;

/// <summary>
/// A decoded ExportTraceServiceRequest: valid spans grouped per trace, and the spans rejected
/// (invalid ids) with the first reason — what OTLP's partial_success reports back to the client.
/// </summary>
public sealed record OtlpDecodeResult(
    IReadOnlyList<TraceSpans> Traces,
    int AcceptedSpans,
    int RejectedSpans,
    string? ErrorMessage)
{
    public static readonly OtlpDecodeResult Empty = new([], 0, 0, null);
}
