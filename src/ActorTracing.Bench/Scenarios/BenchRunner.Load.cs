namespace ActorTracing.Bench;

/// <summary>Load runs and the max-throughput search (scenario 1).</summary>
public sealed partial class BenchRunner
{
    /// <summary>One load generator run with a live progress line; the target's samples bracket it.</summary>
    private async Task<LoadRun> RunLoadAsync(IBenchTarget target, NodeSampler sampler, string phase, string protocol, double rate, TimeSpan duration, TimeSpan warmUp, string? truthFile, CancellationToken cancellationToken)
    {
        sampler.SetPhase(phase);
        var before = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
        var request = new LoadGenRequest
        {
            Protocol = protocol,
            Endpoint = target.IngestPoints[0].Endpoint(protocol),
            Routes = IngestRouting.Routes(target.IngestPoints, protocol, IngestRouting.ModelRegions),
            SpansPerSecond = rate,
            Duration = duration,
            WarmUp = warmUp,
            Seed = NextSeed(),
            TruthFile = truthFile,
        };
        var run = _loadGenerator.RunAsync(request, cancellationToken);
        var last = before;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(1000, cancellationToken)).ConfigureAwait(false);
            var now = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
            var dt = Math.Max(now.Seconds - last.Seconds, 1e-3);
            Say(F($"  {phase}: received {(now.ReceivedSpans - last.ReceivedSpans) / dt,9:N0}/s  decided {(now.DecidedSpans - last.DecidedSpans) / dt,9:N0}/s  buffered {now.BufferedSpans,9:N0} spans  stored {now.RowsWritten,9:N0} rows  rss {now.RssBytes / 1048576.0:N0} MiB"));
            last = now;
        }
        var result = await run.ConfigureAwait(false);
        var after = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
        // The child needs a moment to start; the load began with the first span the target received.
        var loadStart = sampler.Between(before.Seconds, after.Seconds).FirstOrDefault(s => s.ReceivedSpans > before.ReceivedSpans)?.Seconds ?? before.Seconds;
        return new LoadRun(result, before, after, loadStart);
    }

    private async Task<ThroughputResult> SearchAsync(IBenchTarget target, NodeSampler sampler, CancellationToken cancellationToken)
    {
        var search = new MaxThroughputSearch(_options.StartRate, _options.GrowthFactor, _options.Ceiling, _options.MaxSteps, _options.Resolution);
        Say(F($"1. max sustained throughput ({_options.Protocol}): up to {_options.MaxSteps} steps of {_options.StepDuration.TotalSeconds:0}s from {_options.StartRate:N0} spans/s"));
        var result = await search.RunAsync((rate, index, ct) => StepAsync(target, sampler, rate, index, ct), cancellationToken).ConfigureAwait(false);
        Say(F($"  max sustained {result.MaxSustainedSpansPerSecond:N0} spans/s ({result.StoppedBecause})"));
        return new ThroughputResult(_options.Protocol, result.MaxSustainedSpansPerSecond, result.FirstFailingSpansPerSecond, result.StoppedBecause, result.Best?.Measurement, result.Steps);
    }

    private Task<SearchStep> StepAsync(IBenchTarget target, NodeSampler sampler, double rate, int index, CancellationToken cancellationToken)
        => StepAsync(target, sampler, rate, index, F($"step {index + 1} @ {rate:N0}/s"), _options.StepDuration, _options.StepWarmUp, cancellationToken);

    /// <summary>
    /// Holds the searched maximum for a latency run's length (and warm-up) before the latency runs
    /// take fractions of it; see <see cref="MaxConfirmation"/>. Returns the throughput result (the
    /// rate that held, measured by that run; the search's own when none held, with the outcome
    /// said) and the rate the latency runs use.
    /// </summary>
    private async Task<(ThroughputResult Throughput, double LatencyMax)> ConfirmMaxAsync(IBenchTarget target, NodeSampler sampler, ThroughputResult searched, CancellationToken cancellationToken)
    {
        SearchStep? last = null;
        var attempts = 0;
        var confirmation = new MaxConfirmation(MaxConfirmStepDown, _options.MaxConfirmRetries);
        var (rate, held, outcome) = await confirmation.RunAsync(
            searched.MaxSustainedSpansPerSecond,
            async (r, ct) =>
            {
                last = await StepAsync(target, sampler, r, attempts++, F($"confirm max @ {r:N0}/s"), _options.LatencyDuration, LatencyWarmUp(_options.StepWarmUp, target.SendDelay), ct).ConfigureAwait(false);
                return last.Sustained;
            },
            cancellationToken).ConfigureAwait(false);
        Say("  " + outcome);
        _notes.Add("Max confirmation: " + outcome + ".");
        if (rate == searched.MaxSustainedSpansPerSecond)
        {
            return (searched, rate);
        }
        var throughput = held
            ? searched with { MaxSustainedSpansPerSecond = rate, AtMax = last?.Measurement, StoppedBecause = searched.StoppedBecause + "; " + outcome, ConfirmedLower = outcome }
            : searched with { StoppedBecause = searched.StoppedBecause + "; " + outcome, NotConfirmed = outcome };
        return (throughput, rate);
    }

    // A maximum that does not hold is retried 10 % lower: the search's resolution is 4–5 %, and a
    // shortfall over a longer run is usually more than one bracket.
    private const double MaxConfirmStepDown = 0.1;

    private async Task<SearchStep> StepAsync(IBenchTarget target, NodeSampler sampler, double rate, int index, string phase, TimeSpan duration, TimeSpan warmUp, CancellationToken cancellationToken)
    {
        Say(phase);
        var rowsBefore = await target.CountRowsAsync(cancellationToken).ConfigureAwait(false);
        var run = await RunLoadAsync(target, sampler, phase, _options.Protocol, rate, duration, warmUp, null, cancellationToken).ConfigureAwait(false);
        var drained = await WaitDrainedAsync(target, target.SendDelay + TimeSpan.FromSeconds(1.5), cancellationToken).ConfigureAwait(false);
        var settled = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
        var rowsAfter = await target.CountRowsAsync(cancellationToken).ConfigureAwait(false);
        var measurement = Measure(run, settled, rowsAfter - rowsBefore, target.SendDelay, sampler);
        var reasons = _options.Criteria.Judge(measurement);
        if (!drained)
        {
            _notes.Add(F($"{phase}: the target had not drained {target.SendDelay.TotalSeconds + 1.5:0.#}s after the load ({settled.BufferedSpans:N0} spans buffered, {settled.PendingRows:N0} rows pending)."));
        }
        NoteOtherLoad(phase, measurement);
        Say(reasons.Count == 0 ? "  kept up" : "  fell behind: " + string.Join("; ", reasons));
        return new SearchStep(index, rate, reasons.Count == 0, reasons, measurement);
    }

    /// <summary>Says so when processes other than the target's nodes and the generator took a noticeable share of the machine.</summary>
    private void NoteOtherLoad(string phase, StepMeasurement m)
    {
        var ours = (m.NodeCpuPercent + m.GeneratorCpuPercent) / Environment.ProcessorCount;
        var others = m.MachineBusyPercent - ours;
        if (others > 15)
        {
            _notes.Add(IsCluster
                // The cluster's ClickHouse and Redis servers are part of what is measured, but not of the node CPU figure.
                ? F($"{phase}: processes other than the nodes and the generator used ~{others:0}% of the machine (busy {m.MachineBusyPercent:0}%, nodes + generator {ours:0}%): the cluster's ClickHouse and Redis servers, and anything else running.")
                : F($"{phase}: other processes used ~{others:0}% of the machine (busy {m.MachineBusyPercent:0}%, node + generator {ours:0}%); its figures understate this node."));
        }
    }

    /// <summary>Combines a run's generator summary and node samples into one step measurement.</summary>
    private static StepMeasurement Measure(LoadRun run, NodeSample settled, long storedRows, TimeSpan sendDelay, NodeSampler sampler)
    {
        var (gen, before, after) = (run.Result, run.Before, run.After);
        var duration = gen.ElapsedSeconds > 0 ? gen.ElapsedSeconds : gen.DurationSeconds;
        var window = sampler.Between(run.LoadStart, after.Seconds);
        var cpuFrom = window.FirstOrDefault() ?? before;
        return new StepMeasurement
        {
            OfferedSpansPerSecond = gen.TargetSpansPerSecond,
            DurationSeconds = duration,
            GeneratedSpans = gen.SpansGenerated,
            SentSpans = gen.SpansSent,
            FailedSpans = gen.SpansFailed,
            UnsentSpans = gen.SpansUnsent,
            Throttled = gen.Throttled,
            FailedRequests = gen.FailedRequests,
            AckLatency = gen.AckLatency,
            ReceivedSpans = after.ReceivedSpans - before.ReceivedSpans,
            DecidedSpansPerSecond = Math.Round(DecidedRate(sampler.Between(run.LoadStart, after.Seconds), run.LoadStart + sendDelay.TotalSeconds + 0.25)),
            DecidedSpans = settled.DecidedSpans - before.DecidedSpans,
            KeptSpans = settled.KeptSpans - before.KeptSpans,
            StoredRows = storedRows,
            BufferedSpansAfterDrain = settled.BufferedSpans,
            PendingRowsAfterDrain = settled.PendingRows,
            NodeCpuPercent = Math.Round(Cpu(cpuFrom, after), 1),
            NodePeakRssBytes = sampler.Between(before.Seconds, settled.Seconds).Select(s => s.RssBytes).DefaultIfEmpty(after.RssBytes).Max(),
            GeneratorCpuPercent = gen.ElapsedSeconds > 0 ? Math.Round(gen.CpuSeconds / gen.ElapsedSeconds * 100, 1) : 0,
            MachineBusyPercent = Math.Round(Busy(cpuFrom, after), 1),
            GcPausePercent = Math.Round(GcPause(cpuFrom, after), 1),
            EngineMergeCpuPercent = Math.Round(MergeCpu(cpuFrom, after), 1),
        };
    }

    /// <summary>
    /// Spans decided per second once decisions can have started (send-delay after the first span):
    /// the steady-state decision rate. Falls back to the whole window when the step is too short.
    /// </summary>
    internal static double DecidedRate(IReadOnlyList<NodeSample> window, double steadyFrom)
    {
        var steady = window.Where(s => s.Seconds >= steadyFrom).ToArray();
        var use = steady.Length >= 2 && steady[^1].Seconds - steady[0].Seconds >= 0.75 ? steady : window.ToArray();
        if (use.Length < 2)
        {
            return 0;
        }
        var dt = use[^1].Seconds - use[0].Seconds;
        return dt <= 0 ? 0 : (use[^1].DecidedSpans - use[0].DecidedSpans) / dt;
    }

    private static double Cpu(NodeSample from, NodeSample to)
    {
        var dt = to.Seconds - from.Seconds;
        return dt <= 0 ? 0 : (to.CpuSeconds - from.CpuSeconds) / dt * 100;
    }

    private static double MergeCpu(NodeSample from, NodeSample to)
    {
        var dt = to.Seconds - from.Seconds;
        return dt <= 0 ? 0 : Math.Max(0, to.EngineMergeCpuSeconds - from.EngineMergeCpuSeconds) / dt * 100;
    }

    private static double GcPause(NodeSample from, NodeSample to)
    {
        var dt = to.Seconds - from.Seconds;
        return dt <= 0 ? 0 : (to.GcPauseTotalMs - from.GcPauseTotalMs) / 10 / dt;
    }

    private static double Busy(NodeSample from, NodeSample to)
    {
        var total = to.MachineTotalJiffies - from.MachineTotalJiffies;
        return total <= 0 ? 0 : 100.0 * (to.MachineBusyJiffies - from.MachineBusyJiffies) / total;
    }

    private sealed record LoadRun(LoadGenResult Result, NodeSample Before, NodeSample After, double LoadStart);
}
