using System.Globalization;

namespace ActorTracing.Bench;

/// <summary>
/// What started the stalls behind a run's ack tail. The requests at or above the p99 come in
/// bursts (a stall delays every request due while it lasts, and the backlog it leaves delays the
/// next ones until it drains); each burst is put down to what its first request had in flight
/// with it: a GC pause of the node (the runtime stops every thread, the receiver's too), one of
/// the generator only, or neither — then the node's threads were simply queued behind other work
/// on a busy machine (its actors, the embedded engine's inserts and merges, the generator), which
/// no collector setting changes. Counting by burst and not by request matters near saturation: the
/// backlog of a 30 ms pause can take hundreds of milliseconds to drain, and its late requests were
/// in flight during no pause, yet the pause made them late.
/// </summary>
/// <param name="Requests">Requests at or above the p99 among the slowest the generator kept.</param>
/// <param name="Bursts">Runs of those requests with due times less than <see cref="BurstGap"/> apart.</param>
/// <param name="NodeGcBursts">Bursts whose first request was in flight during a node GC pause, and their requests.</param>
/// <param name="GeneratorGcBursts">Bursts whose first request was in flight during a generator GC pause only, and their requests.</param>
/// <param name="InFlightDuringNodeGc">Requests that were themselves in flight during a node GC pause (the rest of a GC's burst is its backlog).</param>
/// <param name="Truncated">True when the generator kept fewer requests than lie above the p99 (a run longer than its list).</param>
public sealed record AckStalls(int Requests, int Bursts, StallShare NodeGcBursts, StallShare GeneratorGcBursts, int InFlightDuringNodeGc, bool Truncated)
{
    /// <summary>Slow requests due closer together than this belong to one stall.</summary>
    public static readonly TimeSpan BurstGap = TimeSpan.FromMilliseconds(100);

    public static AckStalls? Of(IReadOnlyList<SlowAck> slowest, long p99Micros, long measuredRequests, IReadOnlyList<GcPause> nodePauses)
    {
        ArgumentNullException.ThrowIfNull(slowest);
        ArgumentNullException.ThrowIfNull(nodePauses);
        var tail = slowest.Where(r => r.LatencyMicros >= p99Micros).OrderBy(r => r.DueUnixNanos).ToArray();
        if (tail.Length == 0)
        {
            return null;
        }
        var gap = BurstGap.Ticks * 100;
        int bursts = 0, nodeBursts = 0, nodeRequests = 0, generatorBursts = 0, generatorRequests = 0;
        var inFlight = tail.Count(r => DuringPause(r, nodePauses));
        for (var start = 0; start < tail.Length;)
        {
            var end = start + 1;
            while (end < tail.Length && tail[end].DueUnixNanos - tail[end - 1].DueUnixNanos < gap)
            {
                end++;
            }
            bursts++;
            var first = tail[start];
            if (DuringPause(first, nodePauses))
            {
                nodeBursts++;
                nodeRequests += end - start;
            }
            else if (first.GeneratorPaused)
            {
                generatorBursts++;
                generatorRequests += end - start;
            }
            start = end;
        }
        // Every kept request at or above the p99 means the list may have been cut short: more of
        // the tail existed than the generator kept.
        var truncated = tail.Length == slowest.Count && measuredRequests > slowest.Count;
        return new AckStalls(tail.Length, bursts, new StallShare(nodeBursts, nodeRequests), new StallShare(generatorBursts, generatorRequests), inFlight, truncated);
    }

    public string Describe()
    {
        var neither = new StallShare(Bursts - NodeGcBursts.Bursts - GeneratorGcBursts.Bursts, Requests - NodeGcBursts.Requests - GeneratorGcBursts.Requests);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Requests:N0} requests{(Truncated ? " (the slowest kept)" : string.Empty)} in {Bursts:N0} bursts: {Share(NodeGcBursts)} began during a node GC pause, {Share(GeneratorGcBursts)} during a generator GC pause only, {Share(neither)} during neither (the node queued behind other work on the machine); {InFlightDuringNodeGc:N0} ({(double)InFlightDuringNodeGc / Requests:P0}) were themselves in flight during a node GC pause");
    }

    private static bool DuringPause(SlowAck request, IReadOnlyList<GcPause> pauses) =>
        GcPause.AnyWhileInFlight(pauses, request.DueUnixNanos, request.LatencyMicros);

    private string Share(StallShare part) =>
        string.Create(CultureInfo.InvariantCulture, $"{part.Bursts:N0} ({part.Requests:N0} requests, {(double)part.Requests / Requests:P0})");
}

/// <summary>Some of a run's tail bursts and the requests in them.</summary>
public readonly record struct StallShare(int Bursts, int Requests);
