namespace ActorTracing.Admin;

/// <summary>
/// The JSON bodies the endpoint answers with (camelCase on the wire). One group, like a module's
/// messages file: they are the endpoint's contract with `actortracing &lt;host:port&gt;` and scripts
/// using --json, so they change together.
/// </summary>
public static class AdminResponses
{
    /// <summary>Every non-2xx answer. Never contains a token.</summary>
    public sealed record Error(string Message);

    public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<Member> Members);

    /// <param name="Region">The node's region, from its "region-&lt;name&gt;" role; null if it has none.</param>
    public sealed record Member(string Address, string Status, IReadOnlyList<string> Roles, string? Region, bool Reachable, bool IsLeader, bool IsSelf);

    /// <summary>What a cluster command did; Addresses are the members it acted on.</summary>
    public sealed record ClusterAction(string Action, IReadOnlyList<string> Addresses, string Message);

    public sealed record Regions(IReadOnlyList<Region> Types);

    public sealed record Region(string TypeName, string Path);

    public sealed record ShardCount(string ShardId, int Entities);

    /// <summary>The shard region of this node (GetShardRegionStats).</summary>
    public sealed record RegionStats(string TypeName, string Node, int Entities, IReadOnlyList<ShardCount> Shards, IReadOnlyList<string> FailedShards);

    /// <summary>
    /// Every registered region of a type. <paramref name="Summary"/> reads like Akka's partial
    /// answers ("Queried 3 nodes: 2 responsive, 1 failed after 3s"); Failed names who did not reply.
    /// </summary>
    public sealed record ShardStats(string TypeName, int Queried, int Responsive, IReadOnlyList<string> Failed, double TimeoutSeconds, string Summary, IReadOnlyList<RegionStats> Members);

    /// <param name="Omitted">Children beyond actortracing.admin.max-children, counted but not listed.</param>
    public sealed record ActorNode(string Name, string Path, string Type, int ChildCount, int Omitted, IReadOnlyList<ActorNode> Children);

    /// <param name="State">"in-flight", "decided", or "unknown" (never seen, or decided and no longer cached).</param>
    /// <param name="NextCheckInSeconds">For in-flight traces: when the actor evaluates completion again.</param>
    /// <param name="Source">"trace-actor", or "decision-cache" when the actor had passivated and the node's cache answered.</param>
    public sealed record Trace(
        string TraceId,
        string State,
        int SpansBuffered,
        long BytesBuffered,
        bool RootSeen,
        IReadOnlyList<string> Regions,
        double? NextCheckInSeconds,
        bool? Keep,
        string? Reason,
        uint? SampleRate,
        string? CompletionReason,
        string Source);

    /// <param name="EffectiveRate">Kept / (kept + dropped) of traces decided by this reason.</param>
    public sealed record ReasonCount(string Reason, long Kept, long Dropped, double EffectiveRate);

    public sealed record NamedCount(string Name, long Count);

    /// <summary>This node's sampling counters since start (PipelineGauges).</summary>
    public sealed record SamplingStats(
        string Node,
        long SpansReceived,
        long TracesBuffered,
        long SpansBuffered,
        long BytesBuffered,
        long TracesDecided,
        long TracesKept,
        long SpansKept,
        long LateSpans,
        double KeepRate,
        double MeanDecisionLatencySeconds,
        IReadOnlyList<ReasonCount> Reasons,
        IReadOnlyList<NamedCount> CompletedBy);

    /// <param name="StatsError">Why the table statistics are missing (the store did not answer); the counters are still valid.</param>
    public sealed record StorageShard(
        string Shard,
        long? Rows,
        long? BytesOnDisk,
        long? CompressedBytes,
        long? UncompressedBytes,
        double? CompressionRatio,
        long PendingRows,
        long RowsWritten,
        long BatchesWritten,
        double MeanBatchRows,
        double MeanWriteSeconds,
        double LastWriteSeconds,
        long WriteRetries,
        long FailedAttempts,
        string? LastError,
        string? StatsError);

    public sealed record StorageStats(string Node, IReadOnlyList<StorageShard> Shards);
}
