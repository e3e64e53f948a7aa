namespace ActorTracing.Workload;

/// <summary>
/// A sender that can also send on the calling thread, blocking it until the request is done.
/// The generator then sends from dedicated threads and never touches the thread pool: on a busy
/// 2-core machine, waking pool workers for every response (and their spin-waiting for more work
/// between responses) cost the load generator more CPU than building and sending the requests.
/// </summary>
public interface IBlockingOtlpSender : IOtlpSender
{
    /// <summary>Whether <see cref="Send"/> is the cheaper path for this instance (it may not be, e.g. for a test transport).</summary>
    bool CanSendBlocking { get; }

    /// <summary>
    /// <see cref="IOtlpSender.SendAsync"/>'s contract (retries, outcomes, <see cref="IOtlpSender.Stats"/>),
    /// on the calling thread. Throws <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    OtlpSendResult Send(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}
