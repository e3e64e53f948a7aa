namespace ActorTracing.Storage;

/// <summary>
/// When a kept trace's summary needs no <c>otel_trace_summaries</c> row of its own on the embedded
/// engine: when <see cref="ClickHouseSpanReader.GetTraceSummariesAsync"/> rebuilds exactly the same
/// summary from the span rows written at the decision (those with a CompletionReason, see
/// <see cref="TraceSchema.DecisionColumns"/>). That is a trace of one region, in no correlation
/// group, whose stitch is what its rows say: start = earliest span start, duration = latest span
/// end (a span's end as stored: start + Duration) minus that, span count = distinct span ids,
/// arrival lag 0 in its one region, no cross-region edges, no skew. About 90 % of kept traces are;
/// a row for each of them was most of the summary table's bytes (the trace id alone is ~16 B a trace).
/// The writer checks the rule on the very spans it writes with the summary (<see cref="StorageWriter"/>),
/// so a trace whose spans say anything else (a span skipped as unencodable, a repeated span id, a
/// span ending before its start) keeps its row. Pure.
/// </summary>
public static class DerivableSummaries
{
    /// <summary>Whether the reader rebuilds <paramref name="summary"/> exactly from <paramref name="spans"/>' rows (all of them written, with its completion reason).</summary>
    public static bool IsDerivable(StoredTraceSummary summary, IReadOnlyList<StoredSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(spans);
        var stitch = summary.Stitch;
        // '' is what late spans' rows carry: a decision must be told apart from them.
        if (summary.GroupId.Length > 0 || summary.CompletionReason.Length == 0 || spans.Count == 0 || stitch.SpanCount != spans.Count
            || stitch.Regions.Count != 1 || stitch.Edges.Count != 0 || stitch.MaxSkewNanos != 0 || stitch.ArrivalLag.Count != 1)
        {
            return false;
        }
        var region = stitch.Regions[0];
        var (lagRegion, lag) = stitch.ArrivalLag[0];
        if (lagRegion != region || TraceSummaryRowEncoder.LagMilliseconds(lag) != 0)
        {
            return false;
        }

        var start = ulong.MaxValue;
        var end = 0UL;
        // One set per thread, emptied per trace: a new one per kept trace (and its arrays) was
        // ~0.9 MB/s of a node's allocation at 200k spans/s.
        var spanIds = t_spanIds ??= [];
        spanIds.Clear();
        try
        {
            for (var i = 0; i < spans.Count; i++)
            {
                var stored = spans[i];
                var span = stored.Span;
                if (span.TraceId != summary.TraceId || span.Origin.Region != region || !spanIds.Add(span.SpanId.Value)
                    || stored.SamplingReason != summary.SamplingReason || stored.SampleRate != summary.SampleRate)
                {
                    return false;
                }
                start = Math.Min(start, span.StartUnixNano);
                // The row keeps Duration = 0 for a span ending before it starts: its end reads back as its start.
                end = Math.Max(end, Math.Max(span.StartUnixNano, span.EndUnixNano));
            }
        }
        finally
        {
            if (spanIds.Count > MaxRetainedSpanIds)
            {
                // One huge trace must not leave the thread a huge set for good.
                t_spanIds = null;
            }
        }
        return stitch.StartUnixNano == start && stitch.DurationNanos == end - start;
    }

    private const int MaxRetainedSpanIds = 4096;

    [ThreadStatic]
    private static HashSet<ulong>? t_spanIds;
}
