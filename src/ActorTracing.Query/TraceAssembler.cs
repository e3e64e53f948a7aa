using System.Globalization;
using ActorTracing.Storage;

namespace ActorTracing.Query;

/// <summary>
/// Turns stored rows (and the optional summary) into an <see cref="AssembledTrace"/>. What the
/// pipeline knows about the trace is put where Jaeger clients show it: the sampling reason and
/// rate, completion reason and correlation group as tags of the root span(s); clock skew on
/// cross-region edges as warnings of the trace and of the child span. Without a summary row the
/// cross-region edges are derived from the spans (parent and child stored with different regions)
/// and skew is "the child starts before its parent".
/// </summary>
internal static class TraceAssembler
{
    public const string SamplingReasonTag = "sampling.reason";
    public const string SamplingRateTag = "sampling.rate";
    public const string CompletionReasonTag = "trace.completion_reason";
    public const string GroupIdTag = "correlation.group_id";
    public const string LinkedTracesTag = "correlation.linked_trace_ids";
    public const string ParentRegionTag = "cross_region.parent_region";
    public const string SkewTag = "cross_region.clock_skew_ns";
    public const string RegionTag = "region";

    public static AssembledTrace Assemble(string traceId, IReadOnlyList<SpanRecord> rows, TraceSummaryRecord? summary)
    {
        var spans = rows.OrderBy(s => s.StartUnixNano).ThenBy(s => s.SpanId, StringComparer.Ordinal).ToList();
        var byId = new Dictionary<string, SpanRecord>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            byId.TryAdd(span.SpanId, span);
        }

        var processes = new List<AssembledProcess>();
        var processByKey = new Dictionary<string, AssembledProcess>(StringComparer.Ordinal);
        var processOf = new Dictionary<SpanRecord, string>(ReferenceEqualityComparer.Instance);
        foreach (var span in spans)
        {
            var key = ProcessKey(span);
            if (!processByKey.TryGetValue(key, out var process))
            {
                process = new AssembledProcess(
                    "p" + (processes.Count + 1).ToString(CultureInfo.InvariantCulture),
                    span.ServiceName,
                    span.Region,
                    span.ResourceAttributes);
                processes.Add(process);
                processByKey.Add(key, process);
            }
            processOf[span] = process.Id;
        }

        var roots = spans.Where(s => s.ParentSpanId.Length == 0 || !byId.ContainsKey(s.ParentSpanId)).ToList();
        var samplingReason = summary is { SamplingReason.Length: > 0 } ? summary.SamplingReason : TraceReason(roots, spans);
        var sampleRate = summary is { SampleRate: > 0 } ? summary.SampleRate
            : spans.FirstOrDefault(s => s.SamplingReason == samplingReason)?.SampleRate ?? 0;

        var edges = summary is { Edges.Count: > 0 } ? summary.Edges : DeriveEdges(spans, byId);
        var edgeByChild = edges.GroupBy(e => e.SpanId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        var warnings = new List<string>();
        foreach (var edge in edges.Where(e => e.SkewNanos != 0))
        {
            warnings.Add(SkewWarning(edge));
        }
        if (summary is { GroupId.Length: > 0 })
        {
            warnings.Add(summary.LinkedTraceIds.Count > 0
                ? $"correlation group {summary.GroupId}: joined with trace(s) {string.Join(", ", summary.LinkedTraceIds)}"
                : $"correlation group {summary.GroupId}");
        }

        var assembled = new List<AssembledSpan>(spans.Count);
        foreach (var span in spans)
        {
            var isRoot = span.ParentSpanId.Length == 0 || !byId.ContainsKey(span.ParentSpanId);
            var tags = new List<KeyValuePair<string, TypedValue>>();
            var spanWarnings = new List<string>();
            if (isRoot)
            {
                Add(tags, SamplingReasonTag, TypedValue.String(samplingReason));
                Add(tags, SamplingRateTag, Int(sampleRate));
                if (summary is not null)
                {
                    if (summary.CompletionReason.Length > 0)
                    {
                        Add(tags, CompletionReasonTag, TypedValue.String(summary.CompletionReason));
                    }
                    if (summary.GroupId.Length > 0)
                    {
                        Add(tags, GroupIdTag, TypedValue.String(summary.GroupId));
                        Add(tags, LinkedTracesTag, TypedValue.String(string.Join(",", summary.LinkedTraceIds)));
                    }
                }
                if (span.ParentSpanId.Length > 0)
                {
                    spanWarnings.Add($"parent span {span.ParentSpanId} is not stored with this trace (a fragment of another region, or not kept)");
                }
            }
            else if (span.SamplingReason.Length > 0 && span.SamplingReason != samplingReason)
            {
                // Late spans carry their own reason ("late/rules/errors"): worth seeing on the span.
                Add(tags, SamplingReasonTag, TypedValue.String(span.SamplingReason));
            }
            if (edgeByChild.TryGetValue(span.SpanId, out var edge))
            {
                Add(tags, ParentRegionTag, TypedValue.String(edge.ParentRegion));
                if (edge.SkewNanos != 0)
                {
                    Add(tags, SkewTag, Int(edge.SkewNanos));
                    spanWarnings.Add(SkewWarning(edge));
                }
            }
            var attributes = span.Attributes.Select(a => new KeyValuePair<string, TypedValue>(a.Key, TypedValue.Infer(a.Value))).ToList();
            assembled.Add(new AssembledSpan(span, processOf[span], attributes, tags, spanWarnings, isRoot));
        }
        return new AssembledTrace(traceId, assembled, processes, edges, warnings, samplingReason, sampleRate, summary);
    }

    /// <summary>Nanoseconds as a readable duration for warnings ("1.5ms").</summary>
    public static string FormatNanos(long nanos)
    {
        var abs = Math.Abs((double)nanos);
        return abs switch
        {
            >= 1_000_000_000 => (nanos / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + "s",
            >= 1_000_000 => (nanos / 1e6).ToString("0.###", CultureInfo.InvariantCulture) + "ms",
            >= 1_000 => (nanos / 1e3).ToString("0.###", CultureInfo.InvariantCulture) + "us",
            _ => nanos.ToString(CultureInfo.InvariantCulture) + "ns",
        };
    }

    private static string SkewWarning(SkewEdgeRecord edge) =>
        $"clock skew of {FormatNanos(edge.SkewNanos)} between regions {edge.ParentRegion} → {edge.Region} on span {edge.ParentSpanId} → {edge.SpanId}";

    private static List<SkewEdgeRecord> DeriveEdges(List<SpanRecord> spans, Dictionary<string, SpanRecord> byId)
    {
        var edges = new List<SkewEdgeRecord>();
        foreach (var span in spans)
        {
            if (span.ParentSpanId.Length > 0 && byId.TryGetValue(span.ParentSpanId, out var parent) && parent.Region != span.Region)
            {
                var skew = span.StartUnixNano < parent.StartUnixNano ? parent.StartUnixNano - span.StartUnixNano : 0;
                edges.Add(new SkewEdgeRecord(parent.SpanId, span.SpanId, parent.Region, span.Region, skew));
            }
        }
        return edges;
    }

    private static string TraceReason(List<SpanRecord> roots, List<SpanRecord> spans)
    {
        // The decision's reason is on every span it kept; late spans say "late/...", so prefer a root's, then any non-late one.
        var candidates = roots.Concat(spans).Select(s => s.SamplingReason).Where(r => r.Length > 0).ToList();
        return candidates.FirstOrDefault(r => !r.StartsWith("late/", StringComparison.Ordinal)) ?? candidates.FirstOrDefault() ?? string.Empty;
    }

    private static string ProcessKey(SpanRecord span) =>
        span.ServiceName + "\n" + span.Region + "\n" +
        string.Join("\n", span.ResourceAttributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value));

    private static TypedValue Int(long value) => new(TypedValueKind.Int64, value.ToString(CultureInfo.InvariantCulture), value, value, false);

    private static void Add(List<KeyValuePair<string, TypedValue>> tags, string key, TypedValue value) => tags.Add(new(key, value));
}
