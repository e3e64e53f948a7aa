using System.Globalization;

namespace ActorTracing.Bench;

/// <summary>
/// When a node "keeps up" with an offered rate: nothing refused or failed, (nearly) everything
/// offered accepted, acks not queueing, decisions keeping pace, and every kept span stored (counted
/// in storage) once the step drained. Each failed check is a reason in the report.
/// </summary>
public sealed record SustainCriteria
{
    /// <summary>Accepted spans per second at least this fraction of the offered rate.</summary>
    public double MinAcceptedFraction { get; init; } = 0.95;

    /// <summary>Steady-state decided spans per second at least this fraction of the offered rate.</summary>
    public double MinDecidedFraction { get; init; } = 0.90;

    /// <summary>Ack latency p99 above this means requests are queueing (the open-loop schedule is slipping).</summary>
    public TimeSpan MaxAckP99 { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throttled (429 / RESOURCE_EXHAUSTED) attempts tolerated; 0 = any refusal fails the step.</summary>
    public long MaxThrottled { get; init; }

    public IReadOnlyList<string> Judge(StepMeasurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var reasons = new List<string>();
        var offered = m.OfferedSpansPerSecond;
        if (m.Throttled > MaxThrottled)
        {
            reasons.Add(F($"node refused {m.Throttled:N0} attempts (429/RESOURCE_EXHAUSTED)"));
        }
        if (m.FailedRequests > 0)
        {
            reasons.Add(F($"{m.FailedRequests:N0} requests failed ({m.FailedSpans:N0} spans)"));
        }
        if (m.AcceptedSpansPerSecond < MinAcceptedFraction * offered)
        {
            reasons.Add(F($"accepted {m.AcceptedSpansPerSecond:N0}/s < {MinAcceptedFraction:P0} of offered {offered:N0}/s"));
        }
        if (m.AckLatency.P99 > MaxAckP99.Ticks / 10)
        {
            reasons.Add(F($"ack p99 {m.AckLatency.P99 / 1000.0:N0} ms > {MaxAckP99.TotalMilliseconds:N0} ms (requests queueing)"));
        }
        if (m.DecidedSpansPerSecond < MinDecidedFraction * offered)
        {
            reasons.Add(F($"decided {m.DecidedSpansPerSecond:N0} spans/s < {MinDecidedFraction:P0} of offered (decisions lagging)"));
        }
        if (m.PendingRowsAfterDrain > 0 || m.StoredRows < m.KeptSpans)
        {
            reasons.Add(F($"stored {m.StoredRows:N0} of {m.KeptSpans:N0} kept spans after the drain ({m.PendingRowsAfterDrain:N0} still queued: storage lagging)"));
        }
        return reasons;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
