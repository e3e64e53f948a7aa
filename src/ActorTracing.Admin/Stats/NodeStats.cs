using ActorTracing.Protocol.Pipeline;

namespace ActorTracing.Admin;

/// <summary>
/// `sampling stats` and `storage stats`: this node's counters. Counters are per node (each node
/// decides the traces of its shards and writes them); summing across nodes is the job of
/// Prometheus, which scrapes every node's /metrics.
/// </summary>
internal sealed class NodeStats(string node, PipelineGauges? gauges, IStorageStatsSource? storage, TimeSpan askTimeout)
{
    public AdminResponses.SamplingStats Sampling()
    {
        var g = gauges ?? throw AdminRequestException.Unavailable("this node runs no trace actors: it has no sampling counters");
        var reasons = g.KeptByReason.Keys.Union(g.DroppedByReason.Keys)
            .Order(StringComparer.Ordinal)
            .Select(r =>
            {
                var kept = g.KeptByReason.GetValueOrDefault(r);
                var dropped = g.DroppedByReason.GetValueOrDefault(r);
                return new AdminResponses.ReasonCount(r, kept, dropped, Ratio(kept, kept + dropped));
            })
            .ToArray();
        var completed = g.CompletedByReason.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new AdminResponses.NamedCount(p.Key, p.Value)).ToArray();
        var decided = g.TracesDecided;
        var kept = g.TracesKept;
        return new AdminResponses.SamplingStats(
            node,
            g.SpansReceived,
            g.TracesBuffered,
            g.SpansBuffered,
            g.BytesBuffered,
            decided,
            kept,
            g.SpansKept,
            g.LateSpans,
            Ratio(kept, decided),
            g.MeanDecisionLatency.TotalSeconds,
            reasons,
            completed);
    }

    public async Task<AdminResponses.StorageStats> StorageAsync(CancellationToken cancellationToken)
    {
        var source = storage ?? throw AdminRequestException.Unavailable("this node writes no storage: it has no storage counters");
        var counters = source.GetWriterCounters();
        IReadOnlyList<KeyValuePair<string, ActorTracing.Storage.StorageStats>> tables = [];
        string? error = null;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(askTimeout);
            try
            {
                tables = await source.GetTableStatsAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"the store did not answer within {askTimeout.TotalSeconds}s";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The writer counters are still worth showing when the store is down.
                error = e.Message;
            }
        }
        var shards = counters.Select(c =>
        {
            var t = tables.FirstOrDefault(p => p.Key == c.Shard).Value;
            return new AdminResponses.StorageShard(
                c.Shard,
                t?.Rows,
                t?.BytesOnDisk,
                t?.CompressedBytes,
                t?.UncompressedBytes,
                t?.CompressionRatio,
                c.PendingRows,
                c.RowsWritten,
                c.BatchesWritten,
                Ratio(c.RowsWritten, c.BatchesWritten),
                Ratio(c.WriteSecondsTotal, c.BatchesWritten),
                c.LastWriteSeconds,
                c.WriteRetries,
                c.FailedAttempts,
                c.LastError,
                t is null ? error ?? "no table statistics for this shard" : null);
        }).ToArray();
        return new AdminResponses.StorageStats(node, shards);
    }

    private static double Ratio(double part, double whole) => whole == 0 ? 0 : part / whole;
}
