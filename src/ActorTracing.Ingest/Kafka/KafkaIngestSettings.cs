using System.Globalization;
using ActorTracing.Streams.Kafka;
using Akka.Configuration;

namespace ActorTracing.Ingest;

/// <summary>
/// The Kafka source, from <c>actortracing.ingest.kafka</c> (defaults and meanings: hocon/ingest.conf).
/// Read by <see cref="IngestSettings.Create"/>; validated only when enabled, so a node without
/// Kafka never has to name brokers.
/// </summary>
public sealed record KafkaIngestSettings
{
    public const string Section = IngestSettings.Section + ".kafka";
    public const string DefaultBootstrapServers = "127.0.0.1:9092";
    public const string DefaultTopic = "otlp_spans";
    public const string DefaultGroupId = "actortracing-ingest";
    public const int DefaultMaxPollBatch = ConsumerSettings.DefaultBufferSize;
    public const int DefaultCommitBatch = CommitterSettings.DefaultMaxBatch;
    public static readonly TimeSpan DefaultCommitInterval = CommitterSettings.DefaultMaxInterval;
    public static readonly TimeSpan DefaultPollTimeout = ConsumerSettings.DefaultPollTimeout;
    public static readonly TimeSpan DefaultLagRefreshInterval = ConsumerSettings.DefaultLagRefreshInterval;
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultRestartMinBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultRestartMaxBackoff = TimeSpan.FromSeconds(30);
    public const string CommitAfterDecided = "decided";
    public const string CommitAfterAccepted = "accepted";
    public const int DefaultMaxUndecidedRecords = 20_000;

    public static KafkaIngestSettings Default { get; } = new();

    public bool Enabled { get; init; }

    /// <summary>Comma-separated host:port list of the regional Kafka brokers.</summary>
    public string BootstrapServers { get; init; } = DefaultBootstrapServers;

    public IReadOnlyList<string> Topics { get; init; } = [DefaultTopic];

    public string GroupId { get; init; } = DefaultGroupId;

    /// <summary>Region for spans without <c>cloud.region</c>; empty means the node's <c>actortracing.ingest.region</c>.</summary>
    public string Region { get; init; } = string.Empty;

    public TimeSpan CommitInterval { get; init; } = DefaultCommitInterval;

    public int CommitBatch { get; init; } = DefaultCommitBatch;

    public int MaxPollBatch { get; init; } = DefaultMaxPollBatch;

    public TimeSpan PollTimeout { get; init; } = DefaultPollTimeout;

    public TimeSpan LagRefreshInterval { get; init; } = DefaultLagRefreshInterval;

    /// <summary>Cap on an ingress Retry-After hint, so a bad hint cannot park the stream for hours.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = DefaultMaxRetryAfter;

    /// <summary>Wait before the first restart of a failed consumer; doubled per failure in a row.</summary>
    public TimeSpan RestartMinBackoff { get; init; } = DefaultRestartMinBackoff;

    /// <summary>
    /// Cap of the restart wait; a consumer that ran this long before failing counts as healthy,
    /// so its next failure waits <see cref="RestartMinBackoff"/> again.
    /// </summary>
    public TimeSpan RestartMaxBackoff { get; init; } = DefaultRestartMaxBackoff;

    /// <summary>
    /// When a record's offset may be committed: <see cref="CommitAfterDecided"/> (every trace in
    /// it decided by its owner, so a node that crashes with the traces open loses nothing: the
    /// record is read again) or <see cref="CommitAfterAccepted"/> (as soon as the node accepted it).
    /// </summary>
    public string CommitAfter { get; init; } = CommitAfterDecided;

    /// <summary>Records accepted whose traces are not all decided yet; at the bound no record is polled (backpressure).</summary>
    public int MaxUndecidedRecords { get; init; } = DefaultMaxUndecidedRecords;

    /// <summary>Whether offsets wait for decisions (<see cref="CommitAfter"/> = decided).</summary>
    public bool CommitsAfterDecision => CommitAfter == CommitAfterDecided;

    /// <summary>Extra librdkafka properties (security.protocol, sasl.*, ...), passed through as given.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>Value equality including the lists, so settings read from HOCON equal the code defaults.</summary>
    public bool Equals(KafkaIngestSettings? other) =>
        other is not null
        && Enabled == other.Enabled
        && BootstrapServers == other.BootstrapServers
        && Topics.SequenceEqual(other.Topics)
        && GroupId == other.GroupId
        && Region == other.Region
        && CommitInterval == other.CommitInterval
        && CommitBatch == other.CommitBatch
        && MaxPollBatch == other.MaxPollBatch
        && PollTimeout == other.PollTimeout
        && LagRefreshInterval == other.LagRefreshInterval
        && MaxRetryAfter == other.MaxRetryAfter
        && RestartMinBackoff == other.RestartMinBackoff
        && RestartMaxBackoff == other.RestartMaxBackoff
        && CommitAfter == other.CommitAfter
        && MaxUndecidedRecords == other.MaxUndecidedRecords
        && Properties.Count == other.Properties.Count
        && Properties.All(p => other.Properties.TryGetValue(p.Key, out var v) && v == p.Value);

    public override int GetHashCode() => HashCode.Combine(Enabled, BootstrapServers, GroupId, Region, Topics.Count, CommitInterval, MaxPollBatch);

    internal static KafkaIngestSettings Create(Config ingestSection)
    {
        var section = ingestSection.GetConfig("kafka");
        if (section is null || section.IsEmpty)
        {
            return Default;
        }
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        var props = section.GetConfig("properties");
        if (props is not null && !props.IsEmpty)
        {
            foreach (var entry in props.AsEnumerable())
            {
                // librdkafka keys are dotted ("security.protocol"); HOCON reads dots as paths,
                // so the flattened key is the librdkafka name.
                properties[entry.Key] = entry.Value.GetString();
            }
        }
        return new KafkaIngestSettings
        {
            Enabled = section.GetBoolean("enabled", false),
            BootstrapServers = section.GetString("bootstrap-servers", DefaultBootstrapServers) ?? string.Empty,
            Topics = section.GetStringList("topics", [DefaultTopic]).ToArray(),
            GroupId = section.GetString("group-id", DefaultGroupId) ?? string.Empty,
            Region = section.GetString("region", string.Empty) ?? string.Empty,
            CommitInterval = section.GetTimeSpan("commit-interval", DefaultCommitInterval),
            CommitBatch = section.GetInt("commit-batch", DefaultCommitBatch),
            MaxPollBatch = section.GetInt("max-poll-batch", DefaultMaxPollBatch),
            PollTimeout = section.GetTimeSpan("poll-timeout", DefaultPollTimeout),
            LagRefreshInterval = section.GetTimeSpan("lag-refresh-interval", DefaultLagRefreshInterval),
            MaxRetryAfter = section.GetTimeSpan("max-retry-after", DefaultMaxRetryAfter),
            RestartMinBackoff = section.GetTimeSpan("restart-min-backoff", DefaultRestartMinBackoff),
            RestartMaxBackoff = section.GetTimeSpan("restart-max-backoff", DefaultRestartMaxBackoff),
            CommitAfter = section.GetString("commit-after", CommitAfterDecided) ?? string.Empty,
            MaxUndecidedRecords = section.GetInt("max-undecided-records", DefaultMaxUndecidedRecords),
            Properties = properties,
        };
    }

    /// <summary>Checks every value when enabled.</summary>
    /// <exception cref="ConfigurationException">A value is invalid; the message names its HOCON key.</exception>
    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new ConfigurationException($"{Section}.bootstrap-servers must name at least one host:port when {Section}.enabled = on");
        }
        if (Topics.Count == 0 || Topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ConfigurationException($"{Section}.topics must be a non-empty list of topic names, got [{string.Join(", ", Topics)}]");
        }
        if (string.IsNullOrWhiteSpace(GroupId))
        {
            throw new ConfigurationException($"{Section}.group-id must be non-empty when {Section}.enabled = on");
        }
        Positive(CommitInterval, "commit-interval");
        Positive(PollTimeout, "poll-timeout");
        Positive(LagRefreshInterval, "lag-refresh-interval");
        Positive(MaxRetryAfter, "max-retry-after");
        Positive(RestartMinBackoff, "restart-min-backoff");
        if (RestartMaxBackoff < RestartMinBackoff)
        {
            throw new ConfigurationException($"{Section}.restart-max-backoff must be at least {Section}.restart-min-backoff ({RestartMinBackoff}), got {RestartMaxBackoff}");
        }
        if (CommitBatch < 1)
        {
            throw new ConfigurationException($"{Section}.commit-batch must be at least 1, got {CommitBatch.ToString(CultureInfo.InvariantCulture)}");
        }
        if (CommitAfter is not (CommitAfterDecided or CommitAfterAccepted))
        {
            throw new ConfigurationException($"{Section}.commit-after must be {CommitAfterDecided} or {CommitAfterAccepted}, got '{CommitAfter}'");
        }
        if (MaxUndecidedRecords < 1)
        {
            throw new ConfigurationException($"{Section}.max-undecided-records must be at least 1, got {MaxUndecidedRecords.ToString(CultureInfo.InvariantCulture)}");
        }
        if (MaxPollBatch < 1)
        {
            throw new ConfigurationException($"{Section}.max-poll-batch must be at least 1, got {MaxPollBatch.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    internal ConsumerSettings ToConsumerSettings() => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = GroupId,
        BufferSize = MaxPollBatch,
        PollTimeout = PollTimeout,
        LagRefreshInterval = LagRefreshInterval,
        Properties = Properties,
    };

    internal CommitterSettings ToCommitterSettings() => new() { MaxBatch = CommitBatch, MaxInterval = CommitInterval };

    private static void Positive(TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"{Section}.{key} must be a positive duration, got {value}");
        }
    }
}
