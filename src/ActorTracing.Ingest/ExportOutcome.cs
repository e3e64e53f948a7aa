namespace ActorTracing.Ingest;

internal enum ExportOutcomeKind
{
    /// <summary>Accepted (possibly with some spans rejected: OTLP partial success).</summary>
    Success,

    /// <summary>The body did not decode; not retryable.</summary>
    Malformed,

    /// <summary>The ingress is over budget; retryable after <see cref="ExportOutcome.RetryAfter"/>.</summary>
    Throttled,

    /// <summary>
    /// The node could not make the request safe (its write-ahead log failed, or it is stopping);
    /// retryable after <see cref="ExportOutcome.RetryAfter"/>, best against another node.
    /// </summary>
    Unavailable,
}

/// <summary>What one export request came to, independent of the protocol that answers it.</summary>
internal readonly record struct ExportOutcome(ExportOutcomeKind Kind, long RejectedSpans, string? Message, TimeSpan RetryAfter)
{
    public static ExportOutcome Success(long rejectedSpans, string? errorMessage) => new(ExportOutcomeKind.Success, rejectedSpans, errorMessage, TimeSpan.Zero);

    public static ExportOutcome Malformed(string message) => new(ExportOutcomeKind.Malformed, 0, message, TimeSpan.Zero);

    public static ExportOutcome Throttled(TimeSpan retryAfter, string reason) => new(ExportOutcomeKind.Throttled, 0, reason, retryAfter);

    public static ExportOutcome Unavailable(TimeSpan retryAfter, string reason) => new(ExportOutcomeKind.Unavailable, 0, reason, retryAfter);
}
