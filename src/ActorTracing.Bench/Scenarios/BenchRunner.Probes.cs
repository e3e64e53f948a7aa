using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>Decision latency and cross-region stitching latency (scenario 4) and storage size (scenario 6).</summary>
public sealed partial class BenchRunner
{
    /// <summary>
    /// Single-region probes through the first ingest node, and cross-region probes whose second
    /// half enters through a node of another region (<see cref="IngestRouting.Probe"/>; with
    /// <see cref="BenchOptions.SecondIngestEndpoint"/>, that node), polled in storage until whole.
    /// </summary>
    internal async Task<DecisionResult> ProbeAsync(IBenchTarget target, NodeSampler? sampler, (double MeanMs, long Traces) gauge, CancellationToken cancellationToken)
    {
        sampler?.SetPhase("probes");
        var route = IngestRouting.Probe(target.IngestPoints, _options.Protocol, _options.SecondIngestEndpoint);
        Say(F($"4. decision / stitching probes: {_options.Probes} single-region and {_options.Probes} cross-region traces (2nd half {_options.ProbeDelay.TotalMilliseconds:0} ms later, skew {_options.ProbeSkew.TotalMilliseconds:0} ms; {route.Describe()})"));
        var single = new LoadGenRequest
        {
            Mode = LoadGenMode.Probe, Protocol = _options.Protocol, Endpoint = route.First, Seed = NextSeed(),
            ProbeTraces = _options.Probes, ProbeDelay = TimeSpan.Zero, ProbeSkew = TimeSpan.Zero, ProbeRegion = route.FirstRegion, ProbeSecondRegion = route.FirstRegion,
        };
        var cross = single with
        {
            Seed = NextSeed(),
            SecondEndpoint = route.Second == route.First ? null : route.Second,
            ProbeDelay = _options.ProbeDelay,
            ProbeSkew = _options.ProbeSkew,
            ProbeSecondRegion = route.SecondRegion,
        };
        var ids = ProbeSender.Ids(single.Seed, single.ProbeTraces).Concat(ProbeSender.Ids(cross.Seed, cross.ProbeTraces)).Select(i => i.Trace.ToHex()).ToArray();
        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poll = PollQueryableAsync(target, ids, 3, stopPolling.Token);
        var results = await Task.WhenAll(_loadGenerator.RunAsync(single, cancellationToken), _loadGenerator.RunAsync(cross, cancellationToken)).ConfigureAwait(false);
        // Everything was acknowledged; a probe not queryable after send-delay + trace-timeout never will be.
        stopPolling.CancelAfter(target.SendDelay + TimeSpan.FromSeconds(8));
        var seen = await poll.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        (LatencySummary, int) Summarise(LoadGenResult r)
        {
            var latencies = r.Probes.Where(p => seen.ContainsKey(p.TraceId)).Select(p => Math.Max(0, (seen[p.TraceId] - p.LastAckUnixNanos) / 1000)).ToArray();
            return (LatencySummary.FromSamples(latencies), r.Probes.Count - latencies.Length);
        }
        var (singleLatency, singleMissing) = Summarise(results[0]);
        var (crossLatency, crossMissing) = Summarise(results[1]);
        Say(F($"  queryable after last span: single p50 {MarkdownReport.Ms(singleLatency.P50)} p99 {MarkdownReport.Ms(singleLatency.P99)}; cross-region p50 {MarkdownReport.Ms(crossLatency.P50)} p99 {MarkdownReport.Ms(crossLatency.P99)}; never queryable {singleMissing + crossMissing}"));
        return new DecisionResult(
            target.SendDelay.TotalMilliseconds, Math.Round(gauge.MeanMs, 1), gauge.Traces,
            singleLatency, results[0].Probes.Count, singleMissing,
            crossLatency, results[1].Probes.Count, crossMissing,
            _options.ProbeDelay.TotalMilliseconds, _options.ProbeSkew.TotalMilliseconds,
            route.Describe(),
            route.ViaTwoRegions);
    }

    /// <summary>Polls storage until every probe trace has all its rows; returns when each became complete (Unix ns).</summary>
    private async Task<Dictionary<string, long>> PollQueryableAsync(IBenchTarget target, IReadOnlyList<string> traceIds, int spansPerTrace, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var pending = new HashSet<string>(traceIds, StringComparer.Ordinal);
        var failures = 0;
        while (pending.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                var stored = await target.StoredTracesAsync([.. pending], cancellationToken).ConfigureAwait(false);
                var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
                foreach (var (id, trace) in stored)
                {
                    if (trace.Rows >= spansPerTrace && pending.Remove(id))
                    {
                        seen[id] = now;
                    }
                }
                await Task.Delay(target.ProbePollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (StorageException e)
            {
                // A slow or failing shard delays this probe's "queryable" time, as it would a user's query.
                if (failures++ == 0)
                {
                    _notes.Add($"probes: a storage poll failed ({e.Message}); polling went on.");
                }
            }
        }
        return seen;
    }

    private async Task<StorageResult?> StorageAsync(IBenchTarget target, CancellationToken cancellationToken)
    {
        Say("6. storage: merging the run's table (OPTIMIZE FINAL) and measuring bytes per stored span");
        await WaitDrainedAsync(target, target.SendDelay + TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await target.MeasureStorageAsync(cancellationToken).ConfigureAwait(false);
            Say(F($"  {result.Rows:N0} rows, {result.BytesPerRow:0.#} B/row on disk in the span table, compression {result.CompressionRatio:0.0}x ({result.Engine})"));
            if (result.CompanionBytesOnDisk > 0)
            {
                Say(F($"  with the summaries and every other table of the database: {result.AllBytesPerRow:0.#} B per stored span"));
            }
            return result;
        }
        catch (StorageException e)
        {
            _notes.Add($"storage: could not measure ({e.Message}).");
            return null;
        }
    }
}
