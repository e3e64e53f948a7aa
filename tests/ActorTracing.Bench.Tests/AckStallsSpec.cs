using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

/// <summary>The ack tail in bursts, each put down to what its first request was in flight with.</summary>
public sealed class AckStallsSpec
{
    private const long Ms = 1_000_000;
    private const long T0 = 1_767_225_600_000 * Ms;

    // A 20 ms node pause that ended at T0 + 100 ms: the runtime was stopped over [80, 100] ms.
    private static readonly GcPause[] NodePauses = [new(1, 20, 0, GcPauseKind.Blocking, 0, ResumedAtUnixNanos: T0 + (100 * Ms))];

    [Fact]
    public void A_burst_is_put_down_to_what_its_first_request_had_in_flight_with_it()
    {
        SlowAck[] slowest =
        [
            // Burst 1 (due 70–330 ms, each within 100 ms of the last): the first was in flight
            // over [70, 85], during the node pause; the backlog after it counts with it.
            new(T0 + (70 * Ms), 15_000, GeneratorPaused: true),
            new(T0 + (150 * Ms), 40_000, GeneratorPaused: false),
            new(T0 + (240 * Ms), 30_000, GeneratorPaused: false),
            new(T0 + (330 * Ms), 12_000, GeneratorPaused: false),
            // Burst 2: the generator was paused, the node was not.
            new(T0 + (1_000 * Ms), 30_000, GeneratorPaused: true),
            new(T0 + (1_050 * Ms), 11_000, GeneratorPaused: false),
            // Burst 3: no pause at all.
            new(T0 + (2_000 * Ms), 11_000, GeneratorPaused: false),
            // Below the p99: not counted, and does not join or split a burst.
            new(T0 + (1_500 * Ms), 2_000, GeneratorPaused: false),
        ];

        var stalls = AckStalls.Of(slowest, p99Micros: 10_000, measuredRequests: 1_000, NodePauses)!;

        Assert.Equal(new AckStalls(7, 3, new StallShare(1, 4), new StallShare(1, 2), InFlightDuringNodeGc: 1, Truncated: false), stalls);
        Assert.Contains("\"node_gc_bursts\":{\"bursts\":1,\"requests\":4}", BenchJson.Serialize(stalls));
        Assert.Equal(
            "7 requests in 3 bursts: 1 (4 requests, 57 %) began during a node GC pause, 1 (2 requests, 29 %) during a generator GC pause only, 1 (1 requests, 14 %) during neither (the node queued behind other work on the machine); 1 (14 %) were themselves in flight during a node GC pause",
            stalls.Describe());
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
