namespace ActorTracing.Domain.Delivery;

/// <summary>
/// Waits for the confirmations of one submit's messages — one per trace — and completes
/// <see cref="Task"/> once all have come in. A source that can read again what it has not
/// confirmed (Kafka: an offset not committed is read again by the group's next consumer) commits
/// a record only then, so spans of traces still open on a node that crashes are not lost with it.
/// Thread-safe: the submit counts from its request thread, confirmations come from an actor.
/// </summary>
public sealed class ConfirmationCountdown
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Starts at 1 for the submit itself: confirmations of the first messages cannot complete the
    // countdown before every message of the submit has been counted (see Seal).
    private int _outstanding = 1;

    /// <summary>
    /// Completes once every counted message is confirmed (and the submit sealed); canceled when
    /// <see cref="Abandon"/> was called first — the confirmations will not come (the node is
    /// stopping), so the source must not treat the messages as safe.
    /// </summary>
    public Task Task => _done.Task;

    /// <summary>One more message whose confirmation is awaited. Only before <see cref="Seal"/>.</summary>
    public void Expect()
    {
        if (Interlocked.Increment(ref _outstanding) <= 1)
        {
            throw new InvalidOperationException("ConfirmationCountdown: a message was counted after the countdown completed");
        }
    }

    /// <summary>A message's confirmation came in.</summary>
    public void Confirmed() => CountDown();

    /// <summary>Every message of the submit is counted: from now on the last confirmation completes the task.</summary>
    public void Seal() => CountDown();

    /// <summary>The confirmations will not come; the task is canceled unless it completed already.</summary>
    public void Abandon() => _done.TrySetCanceled();

    private void CountDown()
    {
        var left = Interlocked.Decrement(ref _outstanding);
        if (left == 0)
        {
            _done.TrySetResult();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("ConfirmationCountdown: more confirmations than messages counted");
        }
    }
}
