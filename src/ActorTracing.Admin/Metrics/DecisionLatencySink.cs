using ActorTracing.Protocol.Traces;

namespace ActorTracing.Admin;

/// <summary>
/// The hook that feeds <see cref="DecisionLatencyHistogram"/>: an <see cref="ITraceOutcomeSink"/>
/// decorator the node puts in front of its real sink. Every TraceDecided already carries
/// LastArrival and DecidedAt, so no actor needs to change. Late spans are skipped: their
/// "decision" is a cache hit, not a wait.
/// </summary>
public sealed class DecisionLatencySink : ITraceOutcomeSink
{
    private readonly ITraceOutcomeSink _inner;

    public DecisionLatencySink(ITraceOutcomeSink inner, DecisionLatencyHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(histogram);
        _inner = inner;
        Histogram = histogram;
    }

    public DecisionLatencyHistogram Histogram { get; }

    public void OnDecided(in TraceDecided decided)
    {
        if (!decided.IsLate)
        {
            Histogram.Observe(decided.DecidedAt - decided.LastArrival);
        }
        _inner.OnDecided(in decided);
    }
}
