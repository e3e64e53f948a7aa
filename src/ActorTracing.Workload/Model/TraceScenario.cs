using ActorTracing.Domain;

namespace ActorTracing.Workload;

/// <summary>A generated span and the resource (service in a region) that exports it.</summary>
public readonly record struct GeneratedSpan(EdgeResource Resource, SpanDetail Span);

/// <summary>
/// The spans of one trace that one region exports together. A cross-region trace has a second
/// fragment whose spans carry the remote clock offset and which is delivered <see cref="ExportDelay"/> later.
/// </summary>
public sealed record TraceFragment(string Region, IReadOnlyList<GeneratedSpan> Spans, long ClockOffsetNanos, TimeSpan ExportDelay);

/// <summary>One generated trace: what was generated (ground truth) and what each region exports.</summary>
public sealed record TraceScenario(TraceGroundTruth Truth, IReadOnlyList<TraceFragment> Fragments)
{
    /// <summary>Every span of the trace across fragments, for tests and one-off sends.</summary>
    public IEnumerable<GeneratedSpan> AllSpans()
    {
        foreach (var fragment in Fragments)
        {
            foreach (var span in fragment.Spans)
            {
                yield return span;
            }
        }
    }
}
