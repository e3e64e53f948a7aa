using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

public sealed class SamplingTallySpec
{
    private static readonly GroundTruthRecord[] Truth =
    [
        new("e1", "api", 4, IsError: true, IsSlow: false, IsCrossRegion: false),
        new("e2", "api", 3, IsError: true, IsSlow: false, IsCrossRegion: true),
        new("s1", "static", 2, IsError: false, IsSlow: true, IsCrossRegion: false),
        new("d1", "static", 5, IsError: false, IsSlow: false, IsCrossRegion: false),
        new("d2", "edge-function", 1, IsError: false, IsSlow: false, IsCrossRegion: false),
    ];

    [Fact]
    public void Kept_traces_are_those_with_rows_and_complete_when_every_span_is_there()
    {
        // e1 whole, e2 missing a span (a lost cross-region fragment), s1 whole with one duplicate row.
        var stored = new Dictionary<string, StoredTrace> { ["e1"] = new(4, 4), ["e2"] = new(2, 2), ["s1"] = new(3, 2) };

        var r = SamplingTally.Compute(Truth, stored, spansSent: 15, drained: true);

        Assert.Equal((5, 15, 9), (r.Traces, r.SpansGenerated, r.SpansStored));
        Assert.Equal(0.6, r.StoredFraction, 3);
        Assert.Equal((2, 2, 1, 1), (r.ErrorTraces, r.ErrorTracesKept, r.SlowTraces, r.SlowTracesKept));
        Assert.Equal((3, 2, 1), (r.KeptTraces, r.CompleteKeptTraces, r.DuplicateRows));
        Assert.Equal(new Dictionary<string, long> { ["api"] = 2, ["edge-function"] = 0, ["static"] = 1 }, r.KeptTracesByCategory);
    }

    [Fact]
    public void A_dropped_error_trace_is_counted_as_not_kept()
    {
        var r = SamplingTally.Compute(Truth, new Dictionary<string, StoredTrace> { ["e1"] = new(4, 4) }, spansSent: 15, drained: false);

        Assert.Equal((2, 1), (r.ErrorTraces, r.ErrorTracesKept));
        Assert.False(r.Drained);
    }
}
