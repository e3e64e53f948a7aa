using System.Globalization;
using System.Text;

namespace ActorTracing.Bench;

/// <summary>Ack latency at fractions of the max (scenario 2) and the sampling outcome of the 50% run (scenario 5).</summary>
public sealed partial class BenchRunner
{
    private async Task<(List<LatencyPoint> Points, SamplingResult? Sampling, (double MeanMs, long Traces) Decision)> LatencyAndSamplingAsync(BenchNode node, NodeSampler sampler, double max, CancellationToken cancellationToken)
    {
        var points = new List<LatencyPoint>();
        SamplingResult? sampling = null;
        (double, long) decision = (0, 0);
        var runs = _options.LatencyFractions.Select(f => (_options.Protocol, f))
            .Append((_options.Protocol == "http" ? "grpc" : "http", 0.8))
            .ToArray();
        Say(F($"2. ack latency at {string.Join(", ", runs.Select(r => F($"{r.Item2:P0} ({r.Item1})")))} of {max:N0} spans/s; 5. sampling outcome from the first run"));
        for (var i = 0; i < runs.Length; i++)
        {
            var (protocol, fraction) = runs[i];
            var rate = Math.Round(max * fraction);
            var phase = F($"latency {fraction:P0} {protocol} @ {rate:N0}/s");
            Say(phase);
            var truth = i == 0 ? Path.Combine(Path.GetFullPath(_options.OutputDirectory), "ground-truth.tsv") : null;
            var run = await RunLoadAsync(node, sampler, phase, protocol, rate, _options.LatencyDuration, _options.StepWarmUp, truth, cancellationToken).ConfigureAwait(false);
            var m = Measure(run, run.After, 0, node.SendDelay, sampler);
            points.Add(new LatencyPoint(protocol, fraction, rate, run.Result.AchievedSpansPerSecond, run.Result.AckLatency, run.Result.Throttled, run.Result.FailedRequests, m.NodeCpuPercent, m.GeneratorCpuPercent, m.GcPausePercent));
            Say(F($"  ack p50 {MarkdownReport.Ms(run.Result.AckLatency.P50)} p99 {MarkdownReport.Ms(run.Result.AckLatency.P99)} max {MarkdownReport.Ms(run.Result.AckLatency.Max)}"));
            if (truth is null)
            {
                // Each run starts from a drained node, so one run's backlog is not the next one's latency.
                await node.WaitDrainedAsync(node.SendDelay + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The sampling outcome needs every trace of the run decided and written.
                var drained = await node.WaitDrainedAsync(node.SendDelay + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                var settled = sampler.SampleNow()!;
                var decided = settled.DecidedTraces - run.Before.DecidedTraces;
                decision = (decided == 0 ? 0 : (settled.DecisionLatencyTotalMs - run.Before.DecisionLatencyTotalMs) / decided, decided);
                sampling = Sampling(node, run.Result, truth, drained);
                Say(F($"  stored {sampling.StoredFraction:P2} of spans; errors kept {sampling.ErrorTracesKept}/{sampling.ErrorTraces}, slow kept {sampling.SlowTracesKept}/{sampling.SlowTraces}, complete {sampling.CompleteKeptTraces}/{sampling.KeptTraces}, duplicates {sampling.DuplicateRows}"));
            }
        }
        return (points, sampling, decision);
    }

    /// <summary>Loads the ground truth into the engine and joins it with the stored rows of its traces.</summary>
    private SamplingResult Sampling(BenchNode node, LoadGenResult run, string truthFile, bool drained)
    {
        var truthTable = $"{node.Database}.bench_truth_{run.Seed}";
        node.Query($"CREATE TABLE {truthTable} ({GroundTruthFile.Columns}) ENGINE = Memory");
        node.Store.Engine.StreamInsert($"INSERT INTO {truthTable}", "TabSeparated", File.ReadAllBytes(truthFile));
        var join = $"{truthTable} AS t LEFT JOIN (SELECT TraceId, count() AS rows, uniqExact(SpanId) AS uniq FROM {node.TracesTable} GROUP BY TraceId) AS s ON t.TraceId = s.TraceId";
        var totals = node.Query(
            "SELECT count(), sum(t.Spans), sum(s.rows), sum(t.IsError), countIf(s.rows > 0 AND t.IsError = 1), sum(t.IsSlow), countIf(s.rows > 0 AND t.IsSlow = 1), " +
            $"countIf(s.rows > 0), countIf(s.rows > 0 AND s.uniq = t.Spans), sum(s.rows - s.uniq) FROM {join}").Trim().Split('\t');
        long V(int i) => long.Parse(totals[i], CultureInfo.InvariantCulture);
        var byCategory = node.Query($"SELECT t.Category, countIf(s.rows > 0) FROM {join} GROUP BY t.Category ORDER BY t.Category")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var stored = V(2);
        return new SamplingResult(
            V(0), V(1), run.SpansSent, stored, run.SpansSent == 0 ? 0 : (double)stored / run.SpansSent,
            V(3), V(4), V(5), V(6), V(7), V(8), V(9), drained, byCategory);
    }

    private static string Csv(IEnumerable<string> ids)
    {
        var sb = new StringBuilder();
        foreach (var id in ids)
        {
            sb.Append(sb.Length == 0 ? "'" : ",'").Append(id).Append('\'');
        }
        return sb.ToString();
    }
}
