using ActorTracing.Protocol.Metrics;

namespace ActorTracing.Admin;

/// <summary>
/// Histogram of the time from a trace's last span to its decision (what send-delay and
/// trace-timeout cost). Its own type so the node's services can name it.
/// </summary>
public sealed class DecisionLatencyHistogram(IReadOnlyList<double>? bounds = null) : LatencyHistogram(bounds ?? DefaultBounds)
{
    /// <summary>Upper bounds in seconds: send-delay (2 s) and trace-timeout (30 s) sit inside the range.</summary>
    public static readonly IReadOnlyList<double> DefaultBounds = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30, 60];
}
