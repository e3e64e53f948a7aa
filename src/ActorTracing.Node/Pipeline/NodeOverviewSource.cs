using ActorTracing.Node.Configuration;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Query;
using ActorTracing.Storage;
using Akka.Actor;

namespace ActorTracing.Node.Pipeline;

/// <summary>The web UI's live overview: this node's pipeline counters, its storage shards and the cluster's members.</summary>
internal sealed class NodeOverviewSource : IPipelineOverviewSource
{
    private readonly NodeSettings _node;
    private readonly PipelineGauges _gauges;
    private readonly StorageWriterHolder _holder;
    private readonly IReadOnlyList<ISpanStore> _stores;
    private readonly ActorSystem _system;
    private readonly Lock _rateLock = new();
    private (DateTimeOffset At, long Received) _last = (DateTimeOffset.MinValue, 0);

    public NodeOverviewSource(NodeSettings node, PipelineGauges gauges, StorageWriterHolder holder, IReadOnlyList<ISpanStore> stores, ActorSystem system)
    {
        _node = node;
        _gauges = gauges;
        _holder = holder;
        _stores = stores;
        _system = system;
    }

    public async Task<PipelineOverview> GetOverviewAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var received = _gauges.SpansReceived;
        double rate;
        lock (_rateLock)
        {
            // Rate since the previous poll: the UI polls every few seconds, which is the window.
            var seconds = (now - _last.At).TotalSeconds;
            rate = _last.At == DateTimeOffset.MinValue || seconds <= 0 ? 0 : (received - _last.Received) / seconds;
            _last = (now, received);
        }

        var storage = new List<ShardStorage>();
        var notes = new List<string>();
        for (var i = 0; i < _stores.Count; i++)
        {
            var writer = _holder.Writer is { } w && i < w.Shards.Count ? w.Shards[i] : null;
            var name = writer?.Name ?? $"shard-{i}";
            try
            {
                var stats = await _stores[i].GetStatsAsync(cancellationToken).ConfigureAwait(false);
                storage.Add(new ShardStorage(name, stats.Rows, stats.BytesOnDisk, writer?.Writer.PendingRows ?? 0, true));
            }
            catch (StorageException e)
            {
                storage.Add(new ShardStorage(name, 0, 0, writer?.Writer.PendingRows ?? 0, false));
                notes.Add($"{name}: {e.Message}");
            }
        }

        var cluster = Akka.Cluster.Cluster.Get(_system);
        var members = cluster.State.Members
            .Select(m => new ClusterMemberInfo(
                m.Address.ToString(),
                cluster.State.Unreachable.Contains(m) ? m.Status + " (unreachable)" : m.Status.ToString(),
                m.Roles.FirstOrDefault(r => r.StartsWith("region-", StringComparison.Ordinal))?["region-".Length..] ?? string.Empty,
                m.Roles.Where(r => !r.StartsWith("region-", StringComparison.Ordinal)).ToArray()))
            .ToArray();

        var decisions = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (reason, count) in _gauges.KeptByReason)
        {
            decisions["kept/" + reason] = count;
        }
        foreach (var (reason, count) in _gauges.DroppedByReason)
        {
            decisions["dropped/" + reason] = count;
        }

        return new PipelineOverview
        {
            Timestamp = now,
            Node = $"{cluster.SelfAddress} ({_node.Region})",
            IngestSpansPerSecond = rate,
            SpansReceived = received,
            BufferedTraces = _gauges.TracesBuffered,
            BufferedSpans = _gauges.SpansBuffered,
            DecisionsByReason = decisions,
            Storage = storage,
            Members = members,
            Notes = notes,
        };
    }
}
