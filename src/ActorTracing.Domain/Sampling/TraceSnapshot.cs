namespace ActorTracing.Domain.Sampling;

/// <summary>A trace the completion logic declared ready to decide: what the sampler reads.</summary>
/// <param name="TraceId">The trace every span belongs to.</param>
/// <param name="Spans">The buffered spans, in arrival order.</param>
/// <param name="CompletionReason">Why it was decided now (see <c>Completion.CompletionReasons</c>).</param>
public sealed record TraceSnapshot(TraceId TraceId, IReadOnlyList<BufferedSpan> Spans, string CompletionReason);
