using ActorTracing.Domain;
using ActorTracing.Domain.Stitching;

namespace ActorTracing.Storage.Tests;

/// <summary>Trace summaries for <see cref="TestSpans"/> traces, and the check that one read back equals what was enqueued.</summary>
internal static class TestSummaries
{
    public const string EuWest = "eu-west";
    public const string UsEast = "us-east";

    /// <summary>
    /// The summary a TraceActor would enqueue for <paramref name="trace"/>. Every third trace stays
    /// in one region (no edges: empty Nested arrays); the others cross eu-west → us-east on the
    /// edge root → second span with a skew, lag and rate that differ per trace, so a row swapped
    /// between traces shows. The start has sub-second nanoseconds (the legacy column keeps seconds).
    /// </summary>
    public static StoredTraceSummary For(IReadOnlyList<StoredSpan> trace, int index)
    {
        var spans = trace.Select(s => s.Span).ToList();
        var traceId = spans[0].TraceId;
        var start = spans.Min(s => s.StartUnixNano) + 123_456_789;
        TraceStitch stitch = index % 3 == 0
            ? new([EuWest], [], [new(EuWest, TimeSpan.Zero)], 0, start, 5_000_000, spans.Count)
            : new(
                [EuWest, UsEast],
                [new CrossRegionEdge(spans[0].SpanId, spans[1].SpanId, EuWest, UsEast, 1_000_000 + index)],
                [new(EuWest, TimeSpan.Zero), new(UsEast, TimeSpan.FromMilliseconds(100 + index) + TimeSpan.FromTicks(3))],
                1_000_000 + index,
                start,
                5_000_000 + (ulong)index,
                spans.Count);
        return new StoredTraceSummary(traceId, stitch, index % 2 == 0 ? "got_root" : "expired/idle", $"rules/r{index}", (uint)(index + 1));
    }

    /// <summary>
    /// The summary a TraceActor would enqueue for a <see cref="TestSpans"/> trace that stayed in its
    /// one region: what <see cref="DerivableSummaries"/> lets the span rows stand for.
    /// </summary>
    public static StoredTraceSummary Derivable(IReadOnlyList<StoredSpan> trace, string completionReason = "got_root")
    {
        var spans = trace.Select(s => s.Span).ToList();
        var region = spans[0].Origin.Region;
        var start = spans.Min(s => s.StartUnixNano);
        var end = spans.Max(s => Math.Max(s.StartUnixNano, s.EndUnixNano));
        TraceStitch stitch = new([region], [], [new(region, TimeSpan.Zero)], 0, start, end - start, spans.Count);
        return new StoredTraceSummary(spans[0].TraceId, stitch, completionReason, trace[0].SamplingReason, trace[0].SampleRate);
    }

    /// <summary>One summary per trace, in trace order.</summary>
    public static List<StoredTraceSummary> For(IReadOnlyList<IReadOnlyList<StoredSpan>> traces) =>
        traces.Select((trace, i) => For(trace, i)).ToList();

    /// <summary>
    /// Asserts that <paramref name="read"/> is <paramref name="expected"/> field for field; the
    /// legacy table keeps the start in whole seconds, lag is kept in whole milliseconds.
    /// </summary>
    public static void AssertReadBackEqual(StoredTraceSummary expected, TraceSummaryRecord read, SchemaFlavor flavor)
    {
        var stitch = expected.Stitch;
        Assert.Equal(expected.TraceId.ToHex(), read.TraceId);
        Assert.Equal(string.Empty, read.GroupId);
        var start = flavor == SchemaFlavor.Modern ? stitch.StartUnixNano : stitch.StartUnixNano / 1_000_000_000 * 1_000_000_000;
        Assert.Equal((long)start, read.StartUnixNano);
        Assert.Equal((long)stitch.DurationNanos, read.DurationNanos);
        Assert.Equal(stitch.SpanCount, read.SpanCount);
        Assert.Equal(stitch.Regions, read.Regions);
        Assert.Equal(
            stitch.Edges.Select(e => new SkewEdgeRecord(e.ParentSpanId.ToHex(), e.SpanId.ToHex(), e.ParentRegion, e.Region, e.SkewNanos)),
            read.Edges);
        Assert.Equal(
            stitch.ArrivalLag.Select(l => new ArrivalLagRecord(l.Key, (long)l.Value.TotalMilliseconds)),
            read.ArrivalLag);
        Assert.Equal(stitch.MaxSkewNanos, read.MaxSkewNanos);
        Assert.Equal(expected.CompletionReason, read.CompletionReason);
        Assert.Equal(expected.SamplingReason, read.SamplingReason);
        Assert.Equal(expected.SampleRate, read.SampleRate);
        Assert.Empty(read.LinkedTraceIds);
    }

    /// <summary>Reads every summary of <paramref name="summaries"/>' traces through <paramref name="reader"/>, by trace id.</summary>
    public static async Task<Dictionary<string, TraceSummaryRecord>> ReadAsync(ClickHouseSpanReader reader, IEnumerable<StoredTraceSummary> summaries)
    {
        var read = await reader.GetTraceSummariesAsync(summaries.Select(s => s.TraceId.ToHex()).ToList(), CancellationToken.None);
        return read.ToDictionary(r => r.TraceId, StringComparer.Ordinal);
    }
}
