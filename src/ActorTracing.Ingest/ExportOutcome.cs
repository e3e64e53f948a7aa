namespace ActorTracing.Ingest;

internal enum ExportOutcomeKind
{
    /// <summary>Accepted (possibly with some spans rejected: OTLP partial success).</summary>
    Success,

    /// <summary>The body did not decode; not retryable.</summary>
    Malformed,

    /// <summary>The ingress is over budget; retryable after <see cref="ExportOutcome.RetryAfter"/>.</summary>
    Throttled,
}

/// <summary>What one export request came to, independent of the protocol that answers it.</summary>
internal readonly record struct ExportOutcome(ExportOutcomeKind Kind, long RejectedSpans, string? Message, TimeSpan RetryAfter)
{
    public static ExportOutcome Success(long rejectedSpans, string? errorMessage) => new(ExportOutcomeKind.Success, rejectedSpans, errorMessage, TimeSpan.Zero);

    public static ExportOutcome Malformed(string message) => new(ExportOutcomeKind.Malformed, 0, message, TimeSpan.Zero);

    public static ExportOutcome Throttled(TimeSpan retryAfter, string reason) => new(ExportOutcomeKind.Throttled, 0, reason, retryAfter);
}
