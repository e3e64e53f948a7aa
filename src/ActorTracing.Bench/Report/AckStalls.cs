using System.Globalization;

namespace ActorTracing.Bench;

/// <summary>
/// What the requests at or above a run's ack p99 had in flight with them: a GC pause of the node,
/// one of the generator only, or neither. A request in flight during a node pause waited for it
/// (the runtime stops every thread, the receiver's too); one in flight during none waited on a
/// machine busy with other work — the node's actors, the embedded engine's inserts and merges,
/// the generator — which no collector setting changes. The split says which of the two a change
/// must go after.
/// </summary>
/// <param name="Requests">Requests at or above the p99 among the slowest the generator kept.</param>
/// <param name="DuringNodeGc">Of them, in flight while the node was paused for its GC.</param>
/// <param name="DuringGeneratorGcOnly">In flight during a pause of the generator only.</param>
/// <param name="Neither">In flight during no pause of either.</param>
/// <param name="Truncated">True when the generator kept fewer requests than lie above the p99 (a run longer than its list).</param>
public sealed record AckStalls(int Requests, int DuringNodeGc, int DuringGeneratorGcOnly, int Neither, bool Truncated)
{
    public static AckStalls? Of(IReadOnlyList<SlowAck> slowest, long p99Micros, long measuredRequests, IReadOnlyList<GcPause> nodePauses)
    {
        ArgumentNullException.ThrowIfNull(slowest);
        ArgumentNullException.ThrowIfNull(nodePauses);
        var tail = slowest.Where(r => r.LatencyMicros >= p99Micros).ToArray();
        if (tail.Length == 0)
        {
            return null;
        }
        int node = 0, generator = 0;
        foreach (var r in tail)
        {
            var acked = r.DueUnixNanos + (r.LatencyMicros * 1000);
            if (nodePauses.Any(p => p.Overlaps(r.DueUnixNanos, acked)))
            {
                node++;
            }
            else if (r.GeneratorPaused)
            {
                generator++;
            }
        }
        // Every kept request at or above the p99 means the list may have been cut short: more of
        // the tail existed than the generator kept.
        var truncated = tail.Length == slowest.Count && measuredRequests > slowest.Count;
        return new AckStalls(tail.Length, node, generator, tail.Length - node - generator, truncated);
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Requests:N0} requests{(Truncated ? " (the slowest kept)" : string.Empty)}: {Share(DuringNodeGc)} in flight during a node GC pause, {Share(DuringGeneratorGcOnly)} during a generator GC pause only, {Share(Neither)} during neither (queued behind other work on the machine)");

    private string Share(int n) => string.Create(CultureInfo.InvariantCulture, $"{n:N0} ({(double)n / Requests:P0})");
}
