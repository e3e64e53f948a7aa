using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Stitching;

namespace ActorTracing.Domain.Tests.Stitching;

public sealed class TraceStitcherSpec
{
    private static readonly TraceId Trace = new(7, 8);
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static BufferedSpan Span(ulong id, ulong parent, string region, ulong start, ulong end)
        => new(Trace, new SpanId(id), new SpanId(parent), start, end, "op", SpanKind.Server, SpanStatusCode.Unset, new SpanOrigin("svc-" + region, region, [], []), new byte[10]);

    [Fact]
    public void A_trace_that_crossed_regions_records_regions_edges_skew_and_arrival_lag()
    {
        var buffer = new TraceBuffer(Trace);
        // iad calls fra; fra's clock runs 3 ms behind, so its child seems to start before its parent.
        buffer.Add([Span(1, 0, "iad", 10_000_000, 50_000_000), Span(2, 1, "iad", 11_000_000, 40_000_000)], T0);
        buffer.Add([Span(3, 2, "fra", 9_000_000, 30_000_000), Span(4, 3, "fra", 12_000_000, 20_000_000)], T0.AddMilliseconds(800));
        buffer.Add([Span(5, 1, "sin", 20_000_000, 25_000_000)], T0.AddMilliseconds(950));

        var stitch = TraceStitcher.Stitch(buffer);

        Assert.True(stitch.IsCrossRegion);
        Assert.Equal(["iad", "fra", "sin"], stitch.Regions);
        Assert.Equal(
            [new CrossRegionEdge(new SpanId(2), new SpanId(3), "iad", "fra", 2_000_000), new CrossRegionEdge(new SpanId(1), new SpanId(5), "iad", "sin", 0)],
            stitch.Edges);
        Assert.Equal(2_000_000, stitch.MaxSkewNanos);
        Assert.Equal([new("iad", TimeSpan.Zero), new("fra", TimeSpan.FromMilliseconds(800)), new KeyValuePair<string, TimeSpan>("sin", TimeSpan.FromMilliseconds(950))], stitch.ArrivalLag);
        Assert.Equal((9_000_000UL, 41_000_000UL, 5), (stitch.StartUnixNano, stitch.DurationNanos, stitch.SpanCount));
    }

    [Fact]
    public void A_single_region_trace_has_no_edges_and_no_skew()
    {
        var buffer = new TraceBuffer(Trace);
        buffer.Add([Span(1, 0, "iad", 100, 200), Span(2, 1, "iad", 50, 150)], T0);

        var stitch = TraceStitcher.Stitch(buffer);

        Assert.False(stitch.IsCrossRegion);
        Assert.Empty(stitch.Edges);
        Assert.Equal(0, stitch.MaxSkewNanos);
        Assert.Equal(["iad"], stitch.Regions);
    }

    [Fact]
    public void An_edge_whose_parent_never_arrived_is_not_invented()
    {
        var buffer = new TraceBuffer(Trace);
        buffer.Add([Span(1, 0, "iad", 100, 200)], T0);
        buffer.Add([Span(3, 99, "fra", 120, 180)], T0.AddSeconds(1));

        var stitch = TraceStitcher.Stitch(buffer);

        Assert.Equal(["iad", "fra"], stitch.Regions);
        Assert.Empty(stitch.Edges);
    }
}
