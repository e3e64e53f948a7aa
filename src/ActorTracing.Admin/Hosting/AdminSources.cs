using ActorTracing.Domain.Decisions;
using ActorTracing.Ingest;
using ActorTracing.Protocol.Pipeline;
using Akka.Actor;
using Akka.Hosting;

namespace ActorTracing.Admin;

/// <summary>
/// What the endpoint reads. Only the ActorSystem is required; a command or metric whose source is
/// absent answers "not available on this node" (a node without ingest has no IngestCounters).
/// </summary>
public sealed record AdminSources(ActorSystem System)
{
    /// <summary>Where the TraceRegion key (the trace shard region) is registered, for `trace show`.</summary>
    public ActorRegistry? Registry { get; init; }

    public PipelineGauges? Gauges { get; init; }

    public IngestCounters? Ingest { get; init; }

    /// <summary>Kafka ingest counters and consumer lag (registered by AddKafkaIngest).</summary>
    public KafkaIngestCounters? Kafka { get; init; }

    /// <summary>The OTLP receivers' write-ahead log and its replay (registered by AddIngestLog); absent when the log is off.</summary>
    public Ingest.Wal.IngestLog? IngestLog { get; init; }

    public Ingest.Wal.IngestLogReplay? IngestLogReplay { get; init; }

    public IStorageStatsSource? Storage { get; init; }

    /// <summary>Fed by <see cref="DecisionLatencySink"/>; without it /metrics has no decision latency histogram.</summary>
    public DecisionLatencyHistogram? DecisionLatency { get; init; }

    /// <summary>Ingest's spans sent to owners on other nodes and not yet confirmed; absent when redelivery is off.</summary>
    public IRedeliveryStats? Redelivery { get; init; }

    /// <summary>Answers `trace show` for traces whose actor already decided and passivated.</summary>
    public DecisionCache? Decisions { get; init; }
}
