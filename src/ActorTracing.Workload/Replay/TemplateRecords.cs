using ActorTracing.Domain;

namespace ActorTracing.Workload;

/// <summary>One template span: a ScopeSpans.spans field (tag, length, Span) at <see cref="Offset"/> of the pool's bytes.</summary>
/// <param name="Resource">The <see cref="EdgeResource.Index"/> that exports it.</param>
internal readonly record struct TemplateSpan(int Offset, int Length, int Resource, int FirstPatch, int PatchCount);

/// <summary>Where in a template span (offset from the field's tag) a value must be rewritten on replay.</summary>
internal readonly record struct TemplatePatch(int At, PatchKind Kind);

internal enum PatchKind : byte
{
    /// <summary>16 bytes: the replayed trace's id.</summary>
    TraceId,

    /// <summary>8 bytes, big-endian: XORed with the trace's span mask (span ids, parent ids, in-trace link targets).</summary>
    SpanId,

    /// <summary>fixed64 Unix nanoseconds: shifted by the trace's time shift.</summary>
    Time,

    /// <summary>16 bytes: the id of the trace replayed just before.</summary>
    LinkTraceId,

    /// <summary>8 bytes: the root span id of the trace replayed just before.</summary>
    LinkSpanId,
}

/// <summary>The spans one region exports of a template trace; a non-zero delay marks the remote fragment.</summary>
internal readonly record struct TemplateFragment(int Region, int FirstSpan, int SpanCount, long ExportDelayNanos);

/// <summary>
/// A template trace: its fragments and spans (contiguous in the pool) and what the model generated.
/// The shape and root id are copied out of <see cref="Truth"/> so replay reads only this array, not
/// one record object per template, unless someone asks for the ground truth.
/// </summary>
internal readonly record struct TemplateTrace(int FirstFragment, int FragmentCount, int FirstSpan, int SpanCount, TraceShape Shape, ulong RootSpanId, TraceGroundTruth Truth);

/// <summary>
/// One fragment of one replayed trace: which template fragment, and the values its spans get. A
/// struct, so fragments waiting out their export delay cost no allocation.
/// </summary>
/// <param name="SpanMask">XORed into every span and parent id: fresh ids per replay, parent links intact.</param>
/// <param name="TimeShift">Added (mod 2^64) to every timestamp: the replayed root end minus the template's.</param>
internal readonly record struct ReplayFragment(int Fragment, TraceId TraceId, ulong SpanMask, ulong TimeShift, TraceId LinkTrace, ulong LinkSpan);
