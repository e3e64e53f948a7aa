namespace ActorTracing.Query;

/// <summary>A snapshot of the pipeline for the UI's overview page. Rates are per second over the source's own window.</summary>
public sealed record PipelineOverview
{
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The node this snapshot was taken on, e.g. its cluster address.</summary>
    public string Node { get; init; } = string.Empty;

    public double IngestSpansPerSecond { get; init; }

    public long SpansReceived { get; init; }

    public long BufferedTraces { get; init; }

    public long BufferedSpans { get; init; }

    /// <summary>Decided traces by reason ("rules/errors", "drop/health-checks", ...), counted since start.</summary>
    public IReadOnlyDictionary<string, long> DecisionsByReason { get; init; } = new Dictionary<string, long>();

    public IReadOnlyList<ShardStorage> Storage { get; init; } = [];

    public IReadOnlyList<ClusterMemberInfo> Members { get; init; } = [];

    /// <summary>What the snapshot could not include and why ("storage shard 2 did not answer in 1s").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
