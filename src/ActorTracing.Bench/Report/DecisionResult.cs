namespace ActorTracing.Bench;

/// <summary>
/// How soon a trace is decided and queryable after its last span. The gauge mean is the node's own
/// LastArrival→DecidedAt; the probes are timed from outside, from the ack of a trace's last span to
/// the moment all its rows are counted in storage (so they include the storage flush).
/// <see cref="CrossRegionViaTwoRegions"/> says whether the cross-region probes' halves really
/// entered through nodes of two regions (a cluster), or only carried two region attributes.
/// </summary>
public sealed record DecisionResult(
    double SendDelayMs,
    double GaugeMeanDecisionMs,
    long GaugeWindowDecidedTraces,
    LatencySummary SingleRegionQueryable,
    int SingleRegionProbes,
    int SingleRegionNeverQueryable,
    LatencySummary CrossRegionQueryable,
    int CrossRegionProbes,
    int CrossRegionNeverQueryable,
    double CrossRegionDelayMs,
    double CrossRegionSkewMs,
    string CrossRegionEndpoints,
    bool CrossRegionViaTwoRegions = false);
