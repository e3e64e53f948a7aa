namespace ActorTracing.Domain.Delivery;

/// <summary>
/// Waits for the confirmations of one submit's messages — one per trace — and completes once
/// all have come in. A source that can read again what it has not confirmed (Kafka: an offset
/// not committed is read again by the group's next consumer; OTLP's write-ahead log: a request
/// not marked done is submitted again at the next start) lets go of it only then, so spans of
/// traces still open on a node that crashes are not lost with it.
/// Thread-safe: the submit counts from its request thread, confirmations come from actors.
/// </summary>
/// <remarks>
/// A source may hear the outcome as a <see cref="Task"/> or, subclassing, through
/// <see cref="OnConfirmed"/> / <see cref="OnAbandoned"/>. The task is made only when asked for:
/// the write-ahead log has one countdown per OTLP request, living until its traces are decided,
/// and a task, its completion source and a continuation were seven more objects each for a
/// young GC to copy (~5,000 at once at 200k spans/s).
/// </remarks>
public class ConfirmationCountdown
{
    private const int Pending = 0;
    private const int Done = 1;
    private const int Abandoned = 2;

    private TaskCompletionSource? _task;
    private int _state;
    // Starts at 1 for the submit itself: confirmations of the first messages cannot complete the
    // countdown before every message of the submit has been counted (see Seal).
    private int _outstanding = 1;
    private int _cycle;

    /// <summary>
    /// Completes once every counted message is confirmed (and the submit sealed); canceled when
    /// <see cref="Abandon"/> was called first — the confirmations will not come (the node is
    /// stopping), so the source must not treat the messages as safe.
    /// </summary>
    public Task Task
    {
        get
        {
            var task = Volatile.Read(ref _task);
            if (task is null)
            {
                var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                task = Interlocked.CompareExchange(ref _task, made, null) ?? made;
                // The outcome may have come before the task existed: the ending read no task.
                SetOutcome(task, Volatile.Read(ref _state));
            }
            return task.Task;
        }
    }

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

    /// <summary>
    /// Which use this is of a countdown its source pools (see <see cref="TryReset"/>; 0 for one
    /// that is not): a receipt carries it, so a confirmation meant for an earlier use is told apart.
    /// </summary>
    public int Cycle => Volatile.Read(ref _cycle);

    /// <summary>
    /// A message's confirmation, for the use <paramref name="cycle"/>: ignored (false) once the
    /// countdown counts another submit. Every holder confirms once, so that never happens; if a
    /// bug ever confirmed twice, it must not count for someone else's request.
    /// </summary>
    public bool Confirmed(int cycle)
    {
        if (cycle != Cycle)
        {
            return false;
        }
        CountDown();
        return true;
    }

    /// <summary>Abandons the use <paramref name="cycle"/>: ignored (false) once the countdown counts another submit.</summary>
    public bool Abandon(int cycle)
    {
        if (cycle != Cycle)
        {
            return false;
        }
        Abandon();
        return true;
    }

    /// <summary>Every message of the submit is counted: from now on the last confirmation completes the countdown.</summary>
    public void Seal() => CountDown();

    /// <summary>The confirmations will not come; the countdown ends abandoned unless it completed already.</summary>
    public void Abandon() => End(Abandoned);

    /// <summary>Whether it ended abandoned.</summary>
    protected bool IsAbandoned => Volatile.Read(ref _state) == Abandoned;

    /// <summary>Every message was confirmed (once, on the thread of the last confirmation; keep it short).</summary>
    protected virtual void OnConfirmed()
    {
    }

    /// <summary>The confirmations will not come (once, on the abandoning thread).</summary>
    protected virtual void OnAbandoned()
    {
    }

    /// <summary>
    /// Called last, once the outcome is out (its hook ran, a task asked for is completed): the
    /// ending touches the countdown no more. A subclass that reuses countdowns recycles here.
    /// </summary>
    protected virtual void OnEnded(bool confirmed)
    {
    }

    /// <summary>
    /// Makes a countdown that ended confirmed count a new submit, for a source that pools them.
    /// Safe only there: every message it counted is confirmed, so no holder of it is left to
    /// confirm or abandon it again. Refused (false) for any other outcome, and once its task was
    /// asked for — someone may still be waiting on it.
    /// </summary>
    protected bool TryReset()
    {
        if (Volatile.Read(ref _state) != Done || Volatile.Read(ref _task) is not null || Volatile.Read(ref _outstanding) != 0)
        {
            return false;
        }
        Interlocked.Increment(ref _cycle);
        Volatile.Write(ref _outstanding, 1);
        Volatile.Write(ref _state, Pending);
        return true;
    }

    private void CountDown()
    {
        var left = Interlocked.Decrement(ref _outstanding);
        if (left == 0)
        {
            End(Done);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("ConfirmationCountdown: more confirmations than messages counted");
        }
    }

    private void End(int outcome)
    {
        if (Interlocked.CompareExchange(ref _state, outcome, Pending) != Pending)
        {
            return;
        }
        if (outcome == Done)
        {
            OnConfirmed();
        }
        else
        {
            OnAbandoned();
        }
        if (Volatile.Read(ref _task) is { } task)
        {
            SetOutcome(task, outcome);
        }
        OnEnded(outcome == Done);
    }

    private static void SetOutcome(TaskCompletionSource task, int state)
    {
        if (state == Done)
        {
            task.TrySetResult();
        }
        else if (state == Abandoned)
        {
            task.TrySetCanceled();
        }
    }
}
