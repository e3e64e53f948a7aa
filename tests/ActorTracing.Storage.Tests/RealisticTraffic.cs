using ActorTracing.Domain.Sampling;
using ActorTracing.Workload;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// What the benchmark stores: its load generator's edge-platform traffic (EdgeTrafficModel with the
/// default mix) after the default rules of hocon/sampling-rules.conf, applied here from each trace's
/// ground truth with the reasons and rates the sampler writes: errors and slow traces kept, health
/// checks dropped, API calls kept at 10 %, edge functions at 5 %, static assets at 0.1 %. The
/// benchmark gives every load step a seed of its own, and each seed draws its own pools of paths,
/// client addresses and asset sizes, so the traffic comes from several seeds one after another.
/// </summary>
internal static class RealisticTraffic
{
    /// <summary>Seed of the first step, the benchmark's default seed.</summary>
    public const long DefaultSeed = 4242;

    /// <summary>
    /// Kept traces totalling at least <paramref name="spans"/> spans, from <paramref name="seeds"/>
    /// equal steps; traces end <paramref name="spansPerSecond"/> apart in generated (not kept) spans.
    /// </summary>
    public static List<KeptTrace> Generate(int spans, int seeds, ulong startUnixNano, double spansPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        var kept = new List<KeptTrace>();
        var keptSpans = 0;
        var end = startUnixNano;
        for (var step = 0; step < seeds; step++)
        {
            var model = new EdgeTrafficModel(DefaultSeed + step);
            var stepTarget = (long)spans * (step + 1) / seeds;
            while (keptSpans < stepTarget)
            {
                var trace = model.NextTrace(end);
                end += (ulong)(trace.Truth.SpanCount / spansPerSecond * 1e9);
                if (Decide(trace.Truth) is { } decision)
                {
                    kept.Add(new KeptTrace(trace, decision.Reason, decision.Rate));
                    keptSpans += trace.Truth.SpanCount;
                }
            }
        }
        return kept;
    }

    private static (string Reason, uint Rate)? Decide(TraceGroundTruth truth)
    {
        if (truth.IsError)
        {
            return ("rules/errors", 1);
        }
        if (truth.IsSlow)
        {
            return ("rules/slow", 1);
        }
        var (category, probability) = truth.Category switch
        {
            TraceCategory.Api => ("api", 0.10),
            TraceCategory.EdgeFunction => ("edge-function", 0.05),
            TraceCategory.Static => ("static", 0.001),
            _ => (string.Empty, 0.0),
        };
        return probability > 0 && ProbabilisticSampling.Keeps(truth.TraceId, probability)
            ? (SamplingReasons.ProbabilisticPrefix + category, ProbabilisticSampling.SampleRate(probability))
            : null;
    }
}

/// <summary>A generated trace the rules keep, with the decision every one of its spans is stored with.</summary>
internal sealed record KeptTrace(TraceScenario Scenario, string SamplingReason, uint SampleRate);
