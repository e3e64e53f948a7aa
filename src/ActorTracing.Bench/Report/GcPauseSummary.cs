using System.Globalization;

namespace ActorTracing.Bench;

/// <summary>
/// The GC pauses of one load run, by kind: how many of each, the longest, and what survived. A
/// request that arrives during a pause waits for all of it, so the longest pauses are the ack
/// latency's tail; which generation they collect says what to shrink (young garbage that
/// survives into gen1, or a gen2 that grows).
/// </summary>
/// <param name="Gen0">Blocking gen0 collections: count, total and max pause ms.</param>
/// <param name="Gen1">Blocking gen1 collections.</param>
/// <param name="Gen2">Blocking (full) gen2 collections.</param>
/// <param name="Background">Suspensions of background gen2 collections (their start and later phases).</param>
/// <param name="PauseP50Ms">Median pause of the run.</param>
/// <param name="MeanPromotedBytes">Mean bytes that survived a blocking gen0/gen1 collection.</param>
/// <param name="MaxSuspendMs">Longest time spent stopping the threads (part of a pause, before any GC work).</param>
/// <param name="OlderMarkP50Ms">
/// Median time a young (gen0/gen1) collection spent marking from the older generations' cards:
/// the part of a young pause that grows with the old generation rather than with the garbage.
/// A node under sustained load showed why it is reported: at 178k spans/s its gen0 pauses grew
/// from a p50 of 1.0 ms in a run's first seconds to 3–4 ms after tens of seconds, and this part
/// from ~0.25 to 1.0–1.9 ms of each.
/// </param>
/// <param name="Gen0BudgetP50Bytes">
/// Median gen0 budget the run's blocking young collections set (DATAS decides it): the same node at
/// the same load ran in two modes, ~10 MB (pauses p50 ~2–4 ms, ~15 a second) or 40–67 MB (pauses
/// of 20–60 ms, ~1–2 a second), and the latter is the runs whose tail is tens to hundreds of ms.
/// </param>
/// <param name="Gen0BudgetMaxBytes">The largest gen0 budget of the run.</param>
/// <param name="Heaps">The GC heap counts seen in the run, e.g. "2" or "1/2".</param>
/// <param name="FullReasons">Why each full (gen2) collection ran, e.g. "AllocLarge, Induced"; empty for none.</param>
public sealed record GcPauseSummary(GcPauseGroup Gen0, GcPauseGroup Gen1, GcPauseGroup Gen2, GcPauseGroup Background, double PauseP50Ms, long MeanPromotedBytes, double MaxSuspendMs = 0, double OlderMarkP50Ms = 0,
    long Gen0BudgetP50Bytes = 0, long Gen0BudgetMaxBytes = 0, string Heaps = "", string FullReasons = "")
{
    // The runtime's gc_reason values (Microsoft-Windows-DotNETRuntime GCStart's Reason).
    private static readonly string[] ReasonNames =
    [
        "AllocSmall", "Induced", "LowMemory", "Empty", "AllocLarge", "OutOfSpaceSOH", "OutOfSpaceLOH", "InducedNotForced",
        "Internal", "InducedLowMemory", "InducedCompacting", "LowMemoryHost", "PMFullGC", "LowMemoryHostBlocking",
    ];

    public static GcPauseSummary Of(IReadOnlyList<GcPause> pauses)
    {
        ArgumentNullException.ThrowIfNull(pauses);
        var blocking = pauses.Where(p => p.Kind == GcPauseKind.Blocking).ToArray();
        var young = blocking.Where(p => p.Generation < 2).ToArray();
        return new GcPauseSummary(
            GcPauseGroup.Of(blocking.Where(p => p.Generation == 0)),
            GcPauseGroup.Of(blocking.Where(p => p.Generation == 1)),
            GcPauseGroup.Of(blocking.Where(p => p.Generation >= 2)),
            GcPauseGroup.Of(pauses.Where(p => p.Kind != GcPauseKind.Blocking)),
            Math.Round(Median(pauses.Select(p => p.Milliseconds)), 1),
            young.Length == 0 ? 0 : (long)young.Average(p => p.PromotedBytes),
            pauses.Count == 0 ? 0 : Math.Round(pauses.Max(p => p.SuspendMilliseconds), 1),
            Math.Round(Median(young.Select(p => p.OlderMarkMilliseconds)), 2),
            (long)Median(young.Where(p => p.Gen0BudgetBytes > 0).Select(p => (double)p.Gen0BudgetBytes)),
            young.Length == 0 ? 0 : young.Max(p => p.Gen0BudgetBytes),
            string.Join("/", pauses.Where(p => p.Heaps > 0).Select(p => p.Heaps).Distinct().Order()),
            string.Join(", ", pauses.Where(p => p.Generation >= 2 && p.Reason >= 0).Select(p => ReasonName(p.Reason)).Distinct()));
    }

    private static string ReasonName(int reason) => reason < ReasonNames.Length ? ReasonNames[reason] : "reason " + reason.ToString(CultureInfo.InvariantCulture);

    /// <summary>One line for the report: "12× gen0 (max 40 ms), 3× gen1 (max 80 ms), …".</summary>
    public string Describe()
    {
        var parts = new[] { ("gen0", Gen0), ("gen1", Gen1), ("gen2", Gen2), ("bg gen2", Background) }
            .Where(g => g.Item2.Count > 0)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Item2.Count}× {g.Item1} (max {g.Item2.MaxMs:0} ms)"))
            .ToArray();
        return parts.Length == 0
            ? "none"
            : string.Join(", ", parts) + string.Create(CultureInfo.InvariantCulture, $"; p50 {PauseP50Ms:0.#} ms; {MeanPromotedBytes / 1048576.0:0.#} MB survive a young GC; stopping the threads took up to {MaxSuspendMs:0.#} ms")
                + (OlderMarkP50Ms > 0 ? string.Create(CultureInfo.InvariantCulture, $"; marking from the old generation's cards p50 {OlderMarkP50Ms:0.##} ms of a young GC") : string.Empty)
                + (Gen0BudgetP50Bytes > 0 ? string.Create(CultureInfo.InvariantCulture, $"; gen0 budget p50 {Gen0BudgetP50Bytes / 1048576.0:0.#} MB (max {Gen0BudgetMaxBytes / 1048576.0:0.#} MB), {Heaps} heaps") : string.Empty)
                + (FullReasons.Length > 0 ? "; full collections: " + FullReasons : string.Empty);
    }

    /// <summary>The upper median (the run's own figures, no interpolation); 0 for none.</summary>
    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }
}

/// <summary>Pauses of one kind: how many, their sum and the longest (ms).</summary>
public sealed record GcPauseGroup(int Count, double TotalMs, double MaxMs)
{
    public static GcPauseGroup Of(IEnumerable<GcPause> pauses)
    {
        var ms = pauses.Select(p => p.Milliseconds).ToArray();
        return new GcPauseGroup(ms.Length, Math.Round(ms.Sum(), 1), ms.Length == 0 ? 0 : Math.Round(ms.Max(), 1));
    }
}
