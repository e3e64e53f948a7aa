namespace ActorTracing.Workload;

/// <summary>
/// Sends encoded ExportTraceServiceRequests to a node. Implementations are safe for concurrent
/// calls, retry backpressure and transient failures themselves, and report every outcome in
/// <see cref="Stats"/>: a request is acknowledged, failed (counted) or cancelled, never lost silently.
/// </summary>
public interface IOtlpSender : IDisposable
{
    OtlpSenderStats Stats { get; }

    /// <summary>
    /// Sends one request, retrying until acknowledged, refused for good, out of retry time, or
    /// cancelled (then <see cref="OperationCanceledException"/> propagates).
    /// The payload must stay unchanged until the returned task completes.
    /// </summary>
    Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}
