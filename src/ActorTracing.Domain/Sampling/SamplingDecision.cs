namespace ActorTracing.Domain.Sampling;

/// <summary>
/// The keep/drop verdict for one trace, with why and at what rate.
/// </summary>
/// <param name="Keep">Whether the trace's spans are written.</param>
/// <param name="Reason">
/// <c>&lt;mode&gt;/&lt;rule or category&gt;</c>: <c>rules/errors</c> (kept by a 100% rule),
/// <c>probabilistic/api</c> (decided by a percentage), <c>drop/health-checks</c> (explicit drop),
/// <c>rate-limited/api</c> (over the rule's traces-per-second limit), and <c>default</c> for a
/// keep-everything default action (a probabilistic default reads <c>probabilistic/default</c>).
/// </param>
/// <param name="SampleRate">
/// For kept traces, how many traces this one stands for (1/p rounded: 1 = everything kept,
/// 10 = 10%, 1000 = 0.1%), so counts can be re-weighted downstream as Refinery does. Always 0 for
/// dropped traces: nothing is written, so there is nothing to re-weight, and 0 can never be
/// mistaken for a real rate.
/// </param>
public sealed record SamplingDecision(bool Keep, string Reason, uint SampleRate)
{
    public static SamplingDecision Dropped(string reason) => new(false, reason, 0);

    public static SamplingDecision Kept(string reason, uint sampleRate) => new(true, reason, Math.Max(1u, sampleRate));
}
