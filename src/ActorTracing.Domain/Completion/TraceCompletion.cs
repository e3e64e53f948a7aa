namespace ActorTracing.Domain.Completion;

/// <summary>
/// Decides whether a buffered trace is complete. Unlike a fixed decision_wait, a trace with its
/// root is decided send-delay after its last span (fast for the common case), while a trace whose
/// spans still point at absent parents — typically a fragment still travelling from another
/// region — stays open until trace-timeout, and the reason says so (pain point 6).
/// </summary>
public static class TraceCompletion
{
    public static CompletionCheck Evaluate(TraceBuffer buffer, DateTimeOffset now, CompletionSettings settings)
    {
        if (buffer.SpanCount >= settings.MaxSpans)
        {
            return CompletionCheck.Complete(CompletionReasons.SpanLimit);
        }
        if (buffer.Bytes >= settings.MaxBytes)
        {
            return CompletionCheck.Complete(CompletionReasons.ByteLimit);
        }

        var deadline = buffer.FirstArrival + settings.TraceTimeout;
        if (now >= deadline)
        {
            if (!buffer.RootSeen)
            {
                return CompletionCheck.Complete(CompletionReasons.ExpiredNoRoot);
            }
            return CompletionCheck.Complete(buffer.CountMissingParents() > 0
                ? CompletionReasons.ExpiredMissingParent
                : CompletionReasons.ExpiredActive);
        }
        if (!buffer.RootSeen)
        {
            return CompletionCheck.WaitUntil(deadline);
        }

        var quietAt = buffer.LastArrival + settings.SendDelay;
        if (now < quietAt)
        {
            return CompletionCheck.WaitUntil(quietAt < deadline ? quietAt : deadline);
        }
        // A new span restarts the quiet period anyway; without one only the deadline can end a
        // wait for a missing parent.
        return buffer.CountMissingParents() == 0
            ? CompletionCheck.Complete(CompletionReasons.GotRoot)
            : CompletionCheck.WaitUntil(deadline);
    }
}
