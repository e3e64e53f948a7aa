using System.Globalization;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>Decision latency and cross-region stitching latency (scenario 4) and storage size (scenario 6).</summary>
public sealed partial class BenchRunner
{
    private async Task<DecisionResult> ProbeAsync(BenchNode node, NodeSampler sampler, (double MeanMs, long Traces) gauge, CancellationToken cancellationToken)
    {
        sampler.SetPhase("probes");
        var second = _options.SecondIngestEndpoint;
        Say(F($"4. decision / stitching probes: {_options.Probes} single-region and {_options.Probes} cross-region traces (2nd half {_options.ProbeDelay.TotalMilliseconds:0} ms later, skew {_options.ProbeSkew.TotalMilliseconds:0} ms, via {(second is null ? "the same node" : second.ToString())})"));
        var single = new LoadGenRequest
        {
            Mode = LoadGenMode.Probe, Protocol = _options.Protocol, Endpoint = node.Endpoint(_options.Protocol), Seed = NextSeed(),
            ProbeTraces = _options.Probes, ProbeDelay = TimeSpan.Zero, ProbeSkew = TimeSpan.Zero, ProbeRegion = "iad", ProbeSecondRegion = "iad",
        };
        var cross = single with
        {
            Seed = NextSeed(), SecondEndpoint = second, ProbeDelay = _options.ProbeDelay, ProbeSkew = _options.ProbeSkew, ProbeSecondRegion = "fra",
        };
        var ids = ProbeSender.Ids(single.Seed, single.ProbeTraces).Concat(ProbeSender.Ids(cross.Seed, cross.ProbeTraces)).Select(i => i.Trace.ToHex()).ToArray();
        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poll = PollQueryableAsync(node, ids, 3, stopPolling.Token);
        var results = await Task.WhenAll(_loadGenerator.RunAsync(single, cancellationToken), _loadGenerator.RunAsync(cross, cancellationToken)).ConfigureAwait(false);
        // Everything was acknowledged; a probe not queryable after send-delay + trace-timeout never will be.
        stopPolling.CancelAfter(node.SendDelay + TimeSpan.FromSeconds(8));
        var seen = await poll.ConfigureAwait(false);
        (LatencySummary, int) Summarise(LoadGenResult r)
        {
            var latencies = r.Probes.Where(p => seen.ContainsKey(p.TraceId)).Select(p => Math.Max(0, (seen[p.TraceId] - p.LastAckUnixNanos) / 1000)).ToArray();
            return (LatencySummary.FromSamples(latencies), r.Probes.Count - latencies.Length);
        }
        var (singleLatency, singleMissing) = Summarise(results[0]);
        var (crossLatency, crossMissing) = Summarise(results[1]);
        Say(F($"  queryable after last span: single p50 {MarkdownReport.Ms(singleLatency.P50)} p99 {MarkdownReport.Ms(singleLatency.P99)}; cross-region p50 {MarkdownReport.Ms(crossLatency.P50)} p99 {MarkdownReport.Ms(crossLatency.P99)}; never queryable {singleMissing + crossMissing}"));
        return new DecisionResult(
            node.SendDelay.TotalMilliseconds, Math.Round(gauge.MeanMs, 1), gauge.Traces,
            singleLatency, results[0].Probes.Count, singleMissing,
            crossLatency, results[1].Probes.Count, crossMissing,
            _options.ProbeDelay.TotalMilliseconds, _options.ProbeSkew.TotalMilliseconds,
            second is null ? "both halves to one node, regions iad/fra" : $"iad → {node.Endpoint(_options.Protocol)}, fra → {second}");
    }

    /// <summary>Polls storage until every probe trace has all its rows; returns when each became complete (Unix ns).</summary>
    private static async Task<Dictionary<string, long>> PollQueryableAsync(BenchNode node, IReadOnlyList<string> traceIds, int spansPerTrace, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var pending = new HashSet<string>(traceIds, StringComparer.Ordinal);
        while (pending.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            var text = node.Query($"SELECT TraceId, count() FROM {node.TracesTable} WHERE TraceId IN ({Csv(pending)}) GROUP BY TraceId");
            var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split('\t');
                if (long.Parse(f[1], CultureInfo.InvariantCulture) >= spansPerTrace && pending.Remove(f[0]))
                {
                    seen[f[0]] = now;
                }
            }
            try
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return seen;
    }

    private async Task<StorageResult> StorageAsync(BenchNode node, CancellationToken cancellationToken)
    {
        Say("6. storage: merging the run's table (OPTIMIZE FINAL) and measuring bytes per stored span");
        await node.WaitDrainedAsync(node.SendDelay + TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
        node.Query($"OPTIMIZE TABLE {node.TracesTable} FINAL");
        StorageStats stats = await node.Store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        var result = new StorageResult(
            stats.Rows, stats.BytesOnDisk, stats.CompressedBytes, stats.UncompressedBytes,
            stats.Rows == 0 ? 0 : Math.Round((double)stats.BytesOnDisk / stats.Rows, 1),
            Math.Round(stats.CompressionRatio, 2));
        Say(F($"  {result.Rows:N0} rows, {result.BytesPerRow:0.#} B/row on disk, compression {result.CompressionRatio:0.0}x"));
        return result;
    }
}
