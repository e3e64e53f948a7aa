using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

/// <summary>The ack tail split by what was in flight with it: a node GC pause, a generator one, or neither.</summary>
public sealed class AckStallsSpec
{
    private const long Ms = 1_000_000;
    private const long T0 = 1_767_225_600_000 * Ms;

    // A 20 ms node pause that ended at T0 + 100 ms: the runtime was stopped over [80, 100] ms.
    private static readonly GcPause[] NodePauses = [new(1, 20, 0, GcPauseKind.Blocking, 0, ResumedAtUnixNanos: T0 + (100 * Ms))];

    [Fact]
    public void Each_request_above_the_p99_counts_once_node_pause_first()
    {
        SlowAck[] slowest =
        [
            new(T0 + (70 * Ms), 15_000, GeneratorPaused: true),   // in flight [70, 85]: overlaps the node pause (and the generator's)
            new(T0 + (95 * Ms), 12_000, GeneratorPaused: false),  // [95, 107]: overlaps its end
            new(T0 + (101 * Ms), 30_000, GeneratorPaused: true),  // after it: the generator's only
            new(T0 + (10 * Ms), 11_000, GeneratorPaused: false),  // [10, 21]: neither
            new(T0 + (85 * Ms), 2_000, GeneratorPaused: false),   // below the p99: not counted
        ];

        var stalls = AckStalls.Of(slowest, p99Micros: 10_000, measuredRequests: 1_000, NodePauses)!;

        Assert.Equal(new AckStalls(4, DuringNodeGc: 2, DuringGeneratorGcOnly: 1, Neither: 1, Truncated: false), stalls);
        Assert.Equal("4 requests: 2 (50 %) in flight during a node GC pause, 1 (25 %) during a generator GC pause only, 1 (25 %) during neither (queued behind other work on the machine)", stalls.Describe());
    }

    [Fact]
    public void A_list_that_is_all_tail_says_it_may_be_cut_short_and_no_tail_gives_nothing()
    {
        SlowAck[] slowest = [new(T0, 50_000, false), new(T0, 40_000, false)];

        Assert.True(AckStalls.Of(slowest, 10_000, measuredRequests: 5_000, NodePauses)!.Truncated);
        Assert.False(AckStalls.Of(slowest, 10_000, measuredRequests: 2, NodePauses)!.Truncated);
        Assert.Null(AckStalls.Of(slowest, 60_000, 5_000, NodePauses));
    }

    [Fact]
    public void A_pause_without_a_wall_clock_time_overlaps_nothing()
    {
        var unknown = new GcPause(1, 20, 0, GcPauseKind.Blocking, 0);

        Assert.False(unknown.Overlaps(0, long.MaxValue));
        Assert.True(NodePauses[0].Overlaps(T0 + (80 * Ms), T0 + (80 * Ms)));
        Assert.False(NodePauses[0].Overlaps(T0 + (100 * Ms) + 1, T0 + (200 * Ms)));
    }
}
