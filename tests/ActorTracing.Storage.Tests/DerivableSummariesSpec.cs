using ActorTracing.Domain;
using ActorTracing.Domain.Stitching;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// The rule for leaving a summary to its span rows: only when the reader's rebuild from those rows
/// gives back exactly the summary enqueued. Each case changes one thing the rows cannot say.
/// </summary>
public sealed class DerivableSummariesSpec
{
    private static readonly IReadOnlyList<StoredSpan> Trace = TestSpans.Traces(traces: 1, spansPerTrace: 4)[0];

    [Fact]
    public void A_single_region_trace_whose_stitch_is_what_its_spans_say_is_derivable()
    {
        Assert.True(DerivableSummaries.IsDerivable(TestSummaries.Derivable(Trace), Trace));
        Assert.True(DerivableSummaries.IsDerivable(TestSummaries.Derivable(Trace, "expired/no_root"), Trace));
    }

    public static TheoryData<string> NotDerivable() =>
    [
        "cross-region",
        "edge",
        "skew",
        "lag",
        "lag region",
        "group",
        "no completion reason",
        "start",
        "duration",
        "span count",
        "sampling reason",
        "sample rate",
    ];

    [Theory]
    [MemberData(nameof(NotDerivable))]
    public void A_summary_saying_more_than_its_span_rows_is_not_derivable(string change)
    {
        var summary = TestSummaries.Derivable(Trace);
        var stitch = summary.Stitch;
        var region = stitch.Regions[0];
        summary = change switch
        {
            "cross-region" => summary with { Stitch = stitch with { Regions = [region, "us-east"] } },
            "edge" => summary with { Stitch = stitch with { Edges = [new CrossRegionEdge(Trace[0].Span.SpanId, Trace[1].Span.SpanId, region, region, 0)] } },
            "skew" => summary with { Stitch = stitch with { MaxSkewNanos = 1 } },
            "lag" => summary with { Stitch = stitch with { ArrivalLag = [new(region, TimeSpan.FromMilliseconds(1))] } },
            "lag region" => summary with { Stitch = stitch with { ArrivalLag = [new("us-east", TimeSpan.Zero)] } },
            "group" => summary with { GroupId = "grp-1" },
            "no completion reason" => summary with { CompletionReason = string.Empty },
            "start" => summary with { Stitch = stitch with { StartUnixNano = stitch.StartUnixNano - 1 } },
            "duration" => summary with { Stitch = stitch with { DurationNanos = stitch.DurationNanos + 1 } },
            "span count" => summary with { Stitch = stitch with { SpanCount = stitch.SpanCount + 1 } },
            "sampling reason" => summary with { SamplingReason = "rules/other" },
            "sample rate" => summary with { SampleRate = summary.SampleRate + 1 },
            _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
        };

        Assert.False(DerivableSummaries.IsDerivable(summary, Trace));
    }

    [Fact]
    public void Spans_that_would_rebuild_another_summary_keep_the_row()
    {
        var summary = TestSummaries.Derivable(Trace);

        // A span id twice: the rebuild counts distinct ids (a retried batch is stored twice).
        Assert.False(DerivableSummaries.IsDerivable(summary with { Stitch = summary.Stitch with { SpanCount = 5 } }, [.. Trace, Trace[1]]));
        // A span of another region, or of another trace.
        var other = TestSpans.Traces(traces: 2, spansPerTrace: 4, region: "us-east");
        Assert.False(DerivableSummaries.IsDerivable(summary, [.. Trace.Take(3), other[0][3]]));
        Assert.False(DerivableSummaries.IsDerivable(summary, [.. Trace.Take(3), TestSpans.Traces(traces: 2, spansPerTrace: 4)[1][3]]));
        // No spans at all: nothing to rebuild from.
        Assert.False(DerivableSummaries.IsDerivable(summary with { Stitch = summary.Stitch with { SpanCount = 0 } }, []));
    }

    [Fact]
    public void The_check_allocates_nothing_once_warm_and_each_trace_starts_with_no_span_ids_seen()
    {
        var summary = TestSummaries.Derivable(Trace);
        DerivableSummaries.IsDerivable(summary, Trace);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Assert.True(DerivableSummaries.IsDerivable(summary, Trace));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // A duplicate span id is still caught after a rejected trace left ids in the set.
        Assert.False(DerivableSummaries.IsDerivable(summary with { Stitch = summary.Stitch with { SpanCount = 5 } }, [.. Trace, Trace[1]]));
        Assert.True(DerivableSummaries.IsDerivable(summary, Trace));
    }

    [Fact]
    public void A_span_ending_before_it_starts_is_read_back_as_ending_at_its_start()
    {
        // The row stores Duration 0 for it, so the rebuild sees its end at its start, while the
        // stitcher took its real (earlier) end; derivable only when the two agree.
        var last = Trace[^1].Span;
        var inverted = new StoredSpan(
            new BufferedSpan(last.TraceId, last.SpanId, last.ParentSpanId, last.StartUnixNano + 10_000_000, last.StartUnixNano, last.Name, last.Kind, last.Status, last.Origin, last.Raw),
            Trace[^1].SamplingReason,
            Trace[^1].SampleRate);
        IReadOnlyList<StoredSpan> spans = [.. Trace.Take(3), inverted];
        var stitched = TestSummaries.Derivable(Trace);
        var stitcherEnd = spans.Max(s => s.Span.EndUnixNano);

        Assert.False(DerivableSummaries.IsDerivable(stitched with { Stitch = stitched.Stitch with { DurationNanos = stitcherEnd - stitched.Stitch.StartUnixNano } }, spans));
        Assert.True(DerivableSummaries.IsDerivable(stitched with { Stitch = stitched.Stitch with { DurationNanos = inverted.Span.StartUnixNano - stitched.Stitch.StartUnixNano } }, spans));
    }
}
