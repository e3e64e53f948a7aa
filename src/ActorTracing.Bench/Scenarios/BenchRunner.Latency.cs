using ActorTracing.Ingest;

namespace ActorTracing.Bench;

/// <summary>Ack latency at fractions of the max (scenario 2) and the sampling outcome of the 50% run (scenario 5).</summary>
public sealed partial class BenchRunner
{
    private async Task<(List<LatencyPoint> Points, SamplingResult? Sampling, (double MeanMs, long Traces) Decision)> LatencyAndSamplingAsync(IBenchTarget target, NodeSampler sampler, double max, CancellationToken cancellationToken)
    {
        var points = new List<LatencyPoint>();
        SamplingResult? sampling = null;
        (double, long) decision = (0, 0);
        var runs = LatencyRuns(_options.Protocol, _options.LatencyFractions, _options.TargetFractionRuns);
        Say(F($"2. ack latency at {string.Join(", ", runs.Select(r => F($"{r.Item2:P0} ({r.Item1})")))} of {max:N0} spans/s; 5. sampling outcome from the first run"));
        for (var i = 0; i < runs.Length; i++)
        {
            var (protocol, fraction) = runs[i];
            var rate = Math.Round(max * fraction);
            var phase = F($"latency {fraction:P0} {protocol} @ {rate:N0}/s");
            var quiet = _options.SettleTimeout <= TimeSpan.Zero ? TimeSpan.Zero : await WaitSettledAsync(target, _options.SettleTimeout, cancellationToken).ConfigureAwait(false);
            if (quiet is null)
            {
                _notes.Add(F($"{phase}: started with the target still busy (not under {SettleCpuPercent:0} % of a core within {_options.SettleTimeout.TotalSeconds:0}s of the previous run)."));
            }
            Say(quiet is { } took && took > TimeSpan.FromSeconds(2) ? F($"{phase} (the target went quiet after {took.TotalSeconds:0}s)") : phase);
            var truth = i == 0 ? Path.Combine(Path.GetFullPath(_options.OutputDirectory), "ground-truth.tsv") : null;
            var warmUp = LatencyWarmUp(_options.StepWarmUp, target.SendDelay);
            var run = await RunLoadAsync(target, sampler, phase, protocol, rate, _options.LatencyDuration, warmUp, truth, cancellationToken).ConfigureAwait(false);
            var m = Measure(run, run.After, 0, target.SendDelay, sampler);
            // The node's answers over the generator's measured window (the first sample after its warm-up).
            var measuredFrom = sampler.Between(run.LoadStart + warmUp.TotalSeconds, run.After.Seconds).FirstOrDefault() ?? run.Before;
            var answered = NodeAnswerLatency.Between(measuredFrom.AnsweredBuckets, run.After.AnsweredBuckets, IngestCounters.RequestDurationBounds);
            var nodePauses = _ownNode is null ? null : await _ownNode.GcPausesAsync(run.LoadStart, run.After.Seconds, cancellationToken).ConfigureAwait(false);
            var gc = nodePauses is null ? null : GcPauseSummary.Of(nodePauses);
            var stalls = nodePauses is null ? null : AckStalls.Of(run.Result.SlowestAcks, run.Result.AckLatency.P99, run.Result.AckLatency.Count, nodePauses);
            points.Add(new LatencyPoint(protocol, fraction, rate, run.Result.AchievedSpansPerSecond, run.Result.AckLatency, run.Result.Throttled, run.Result.FailedRequests, m.NodeCpuPercent, m.GeneratorCpuPercent, m.GcPausePercent, gc, run.Result.GcPauses, answered, stalls, m.EngineMergeCpuPercent));
            Say(F($"  ack p50 {MarkdownReport.Ms(run.Result.AckLatency.P50)} p99 {MarkdownReport.Ms(run.Result.AckLatency.P99)} max {MarkdownReport.Ms(run.Result.AckLatency.Max)}"));
            if (answered is not null)
            {
                Say("  the node's receiver answered: " + answered.Describe());
            }
            if (gc is not null)
            {
                Say("  GC pauses: " + gc.Describe());
            }
            if (run.Result.GcPauses is { } generatorGc)
            {
                Say("  generator GC pauses: " + generatorGc.Describe());
            }
            if (stalls is not null)
            {
                Say("  at or above the ack p99: " + stalls.Describe());
            }
            if (truth is null)
            {
                // Each run starts from a drained target, so one run's backlog is not the next one's latency.
                await WaitDrainedAsync(target, target.SendDelay + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The sampling outcome needs every trace of the run decided and written.
                var drained = await WaitDrainedAsync(target, target.SendDelay + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                var settled = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
                var decided = settled.DecidedTraces - run.Before.DecidedTraces;
                decision = (decided == 0 ? 0 : (settled.DecisionLatencyTotalMs - run.Before.DecisionLatencyTotalMs) / decided, decided);
                sampling = await SamplingAsync(target, run.Result, truth, drained, cancellationToken).ConfigureAwait(false);
                Say(F($"  stored {sampling.StoredFraction:P2} of spans; errors kept {sampling.ErrorTracesKept}/{sampling.ErrorTraces}, slow kept {sampling.SlowTracesKept}/{sampling.SlowTraces}, complete {sampling.CompleteKeptTraces}/{sampling.KeptTraces}, duplicates {sampling.DuplicateRows}"));
            }
        }
        return (points, sampling, decision);
    }

    /// <summary>
    /// The latency runs in order: each fraction in the search's protocol, the target's fraction
    /// <paramref name="targetRuns"/> times in a row, then one run at that fraction in the other protocol.
    /// </summary>
    internal static (string Protocol, double Fraction)[] LatencyRuns(string protocol, IReadOnlyList<double> fractions, int targetRuns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetRuns, 1);
        var runs = new List<(string, double)>();
        foreach (var fraction in fractions)
        {
            var times = Targets.IsTargetFraction(fraction) ? targetRuns : 1;
            for (var i = 0; i < times; i++)
            {
                runs.Add((protocol, fraction));
            }
        }
        runs.Add((protocol == "http" ? "grpc" : "http", Targets.AckTargetFraction));
        return [.. runs];
    }

    /// <summary>
    /// How long a latency run sends before its acks count: at least until the first traces of the
    /// run are decided (send-delay) and a little more, so the measured window is the steady state —
    /// ingest, decisions and storage together. With the quick run's 1 s warm-up, the window began
    /// with ingest alone and took in the onset of the decision wave 2 s into the run.
    /// </summary>
    internal static TimeSpan LatencyWarmUp(TimeSpan stepWarmUp, TimeSpan sendDelay)
    {
        var steady = sendDelay + TimeSpan.FromMilliseconds(500);
        return steady > stepWarmUp ? steady : stepWarmUp;
    }

    /// <summary>Joins the run's ground truth with what storage holds of each of its traces.</summary>
    private static async Task<SamplingResult> SamplingAsync(IBenchTarget target, LoadGenResult run, string truthFile, bool drained, CancellationToken cancellationToken)
    {
        var truth = GroundTruthFile.Read(truthFile).ToArray();
        var stored = await target.StoredTracesAsync(truth.Select(t => t.TraceId).Distinct(StringComparer.Ordinal).ToArray(), cancellationToken).ConfigureAwait(false);
        return SamplingTally.Compute(truth, stored, run.SpansSent, drained);
    }
}
