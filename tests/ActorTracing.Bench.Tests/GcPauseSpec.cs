using System.Diagnostics;
using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

/// <summary>The per-run GC pause figures of the report: recorded from the runtime's own events, summarized by kind.</summary>
public sealed class GcPauseSpec
{
    [Fact]
    public async Task A_blocking_collection_is_recorded_with_its_generation_and_a_pause()
    {
        var clock = Stopwatch.StartNew();
        using var recorder = new GcPauseRecorder(clock);

        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        // Listeners get runtime events on a dispatch thread, a moment after the collection.
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<GcPause> pauses;
        do
        {
            await Task.Delay(20);
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            pauses = recorder.Between(0, clock.Elapsed.TotalSeconds + 1);
        }
        while (!(pauses.Any(p => p.Generation == 0 && p.OlderMarkMilliseconds > 0) && pauses.Any(p => p.Generation == 2) && pauses.Any(InducedYoung))
            && deadline.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Contains(pauses, p => p is { Generation: 0, Kind: GcPauseKind.Blocking } && p.Milliseconds > 0);
        // The runtime reports each heap's marking by root kind; the part from older generations'
        // cards is measured for young collections and lies within their pause.
        Assert.Contains(pauses, p => p is { Generation: 0, Kind: GcPauseKind.Blocking, OlderMarkMilliseconds: > 0 });
        Assert.All(pauses.Where(p => p.Generation is 0 or 1), p => Assert.InRange(p.OlderMarkMilliseconds, 0, p.Milliseconds));
        Assert.All(pauses.Where(p => p.Generation == 2), p => Assert.Equal(0, p.OlderMarkMilliseconds));
        Assert.Contains(pauses, p => p is { Generation: 2, Kind: GcPauseKind.Blocking } && p.Milliseconds >= p.SuspendMilliseconds);
        // Why each ran (1 Induced: GC.Collect; 10 InducedCompacting: with compacting) and what the
        // runtime set for the next: its gen0 budget, on how many heaps.
        // (The runtime may run an induced gen0 collection as a gen1 one, as a CI run saw.)
        Assert.Contains(pauses, InducedYoung);
        Assert.Contains(pauses, p => p is { Generation: 2, Reason: 10 });
        Assert.Contains(pauses, p => p is { Generation: 0, Gen0BudgetBytes: > 0, Heaps: > 0 });
        Assert.Empty(recorder.Between(clock.Elapsed.TotalSeconds + 100, double.MaxValue));
        // Each pause carries its wall-clock time, to line it up with another process's requests.
        var now = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        Assert.All(pauses, p => Assert.InRange(p.ResumedAtUnixNanos, now - 60_000_000_000L, now));
    }

    private static bool InducedYoung(GcPause p) => p is { Generation: 0 or 1, Reason: 1 };

    [Fact]
    public void A_summary_counts_each_kind_with_its_longest_pause_and_what_young_collections_kept()
    {
        GcPause[] pauses =
        [
            new(1, 10, 0, GcPauseKind.Blocking, 1 << 20, 0.5, 1.5, Reason: 0, Gen0BudgetBytes: 10 << 20, Heaps: 2),
            new(2, 30, 0, GcPauseKind.Blocking, 3 << 20, 0, 4, Reason: 0, Gen0BudgetBytes: 64 << 20, Heaps: 2),
            new(3, 50, 1, GcPauseKind.Blocking, 8 << 20, 2, 0.25, Reason: 0, Gen0BudgetBytes: 12 << 20, Heaps: 1),
            new(4, 90, 2, GcPauseKind.Blocking, 100 << 20, Reason: 4),
            new(5, 4, 2, GcPauseKind.BackgroundStart, 0, Reason: 1),
            new(6, 6, -1, GcPauseKind.BackgroundPhase, 0),
        ];

        var summary = GcPauseSummary.Of(pauses);

        Assert.Equal(new GcPauseGroup(2, 40, 30), summary.Gen0);
        Assert.Equal(new GcPauseGroup(1, 50, 50), summary.Gen1);
        Assert.Equal(new GcPauseGroup(1, 90, 90), summary.Gen2);
        Assert.Equal(new GcPauseGroup(2, 10, 6), summary.Background);
        Assert.Equal(30, summary.PauseP50Ms);
        // Young = blocking gen0 and gen1: (1 + 3 + 8) MiB / 3; the full collection's survivors are not young ones.
        Assert.Equal(4 << 20, summary.MeanPromotedBytes);
        Assert.Equal(2, summary.MaxSuspendMs);
        // The young collections' card marking: median of 1.5, 4 and 0.25.
        Assert.Equal(1.5, summary.OlderMarkP50Ms);
        // The young collections' gen0 budgets: median of 10, 64 and 12 MiB, the largest 64.
        Assert.Equal(12 << 20, summary.Gen0BudgetP50Bytes);
        Assert.Equal(64 << 20, summary.Gen0BudgetMaxBytes);
        Assert.Equal("1/2", summary.Heaps);
        Assert.Equal("AllocLarge, Induced", summary.FullReasons);
        Assert.Equal("2× gen0 (max 30 ms), 1× gen1 (max 50 ms), 1× gen2 (max 90 ms), 2× bg gen2 (max 6 ms); p50 30 ms; 4 MB survive a young GC; stopping the threads took up to 2 ms; marking from the old generation's cards p50 1.5 ms of a young GC; gen0 budget p50 12 MB (max 64 MB), 1/2 heaps; full collections: AllocLarge, Induced", summary.Describe());
    }

    [Fact]
    public void A_run_without_pauses_says_none()
    {
        Assert.Equal("none", GcPauseSummary.Of([]).Describe());
    }
}
