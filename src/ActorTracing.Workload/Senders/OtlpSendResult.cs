namespace ActorTracing.Workload;

/// <summary>
/// The outcome of one export request after its retries.
/// </summary>
/// <param name="Success">The node acknowledged the request (possibly with some spans rejected).</param>
/// <param name="Attempts">Attempts made, including the successful one.</param>
/// <param name="Throttles">Attempts answered with backpressure (HTTP 429/503, gRPC RESOURCE_EXHAUSTED/UNAVAILABLE).</param>
/// <param name="RejectedSpans">partial_success.rejected_spans of the acknowledgement.</param>
/// <param name="Error">Why the request failed (the last status seen) when not successful.</param>
public readonly record struct OtlpSendResult(bool Success, int Attempts, int Throttles, long RejectedSpans, string? Error);
