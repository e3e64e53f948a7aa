namespace ActorTracing.Domain.Completion;

/// <summary>The answer of <see cref="TraceCompletion.Evaluate"/>: decide now with a reason, or look again at <see cref="NextCheck"/>.</summary>
public readonly record struct CompletionCheck(bool IsComplete, string Reason, DateTimeOffset NextCheck)
{
    public static CompletionCheck Complete(string reason) => new(true, reason, default);

    public static CompletionCheck WaitUntil(DateTimeOffset next) => new(false, string.Empty, next);
}
