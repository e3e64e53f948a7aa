namespace ActorTracing.Domain.Completion;

/// <summary>
/// When a buffered trace is ready to be decided (see <see cref="TraceCompletion"/>).
/// </summary>
/// <param name="SendDelay">Quiet time after the root span (and every later span) before deciding; Refinery's SendDelay.</param>
/// <param name="TraceTimeout">Longest a trace is buffered, from its first span; decided as "expired/..." after it.</param>
/// <param name="MaxSpans">A trace with this many spans is decided at once ("span_limit") so giant traces cannot crowd out others.</param>
/// <param name="MaxBytes">Same, by encoded span bytes ("byte_limit").</param>
public sealed record CompletionSettings(TimeSpan SendDelay, TimeSpan TraceTimeout, int MaxSpans, long MaxBytes)
{
    public static readonly TimeSpan DefaultSendDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultTraceTimeout = TimeSpan.FromSeconds(30);
    public const int DefaultMaxSpans = 10_000;
    public const long DefaultMaxBytes = 16L * 1024 * 1024;

    public static CompletionSettings Default { get; } = new(DefaultSendDelay, DefaultTraceTimeout, DefaultMaxSpans, DefaultMaxBytes);
}
