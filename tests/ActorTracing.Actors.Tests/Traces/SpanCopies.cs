using ActorTracing.Domain;

namespace ActorTracing.Tests;

/// <summary>Copies of span objects a test keeps past the call that lent them (a dropped trace's, see TraceDecided.Spans).</summary>
internal static class SpanCopies
{
    public static BufferedSpan[] Of(IReadOnlyList<BufferedSpan> spans) =>
        [.. spans.Select(s => new BufferedSpan(s.TraceId, s.SpanId, s.ParentSpanId, s.StartUnixNano, s.EndUnixNano, s.Name, s.Kind, s.Status, s.Origin, s.Raw.ToArray()))];
}
