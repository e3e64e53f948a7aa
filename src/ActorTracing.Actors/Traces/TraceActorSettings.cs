using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Correlation;
using Akka.Configuration;

namespace ActorTracing.Actors.Traces;

/// <summary>
/// Typed view of <c>actortracing.trace</c> (hocon/trace.conf). Built once at startup; an invalid
/// value fails the start with a message naming the key, not a surprise at the first trace.
/// </summary>
public sealed record TraceActorSettings(
    CompletionSettings Completion,
    int NumberOfShards,
    int DecisionCacheSize,
    TimeSpan DecisionCacheMaxAge,
    string Role,
    bool DurableDecisions = false,
    string JournalPluginId = "",
    CorrelationSettings? Correlation = null)
{
    /// <summary>Completion checks of a shard's traces are batched into ticks of this length.</summary>
    public TimeSpan CompletionTick { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a shard collects confirmations of spans from other nodes' ingest before sending them (see hocon/trace.conf).</summary>
    public TimeSpan ConfirmInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Whether a kept trace's receipts go with its spans to the outcome sink, which owes them once
    /// the rows are written (<see cref="Protocol.Traces.TraceDecided.Receipts"/>), instead of being
    /// owed at the decision. Set by the node, whose sink stores the spans; off where the sink is
    /// not storage (specs), since receipts nobody owes would never be confirmed.
    /// </summary>
    public bool ConfirmAfterStored { get; init; }

    /// <summary>How often a shard gives back memory a past burst made it grow (see hocon/trace.conf).</summary>
    public TimeSpan MemoryTrimInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a shard waits for the journal (lookups of earlier decisions, writes at hand-off).</summary>
    public TimeSpan LookupTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Correlation groups (off unless configured).</summary>
    public CorrelationSettings Correlation { get; init; } = Correlation ?? CorrelationSettings.Disabled;

    public const string Section = "actortracing.trace";

    public static TraceActorSettings Default { get; } = new(CompletionSettings.Default, 100, 1_000_000, TimeSpan.FromMinutes(10), "process");

    public static TraceActorSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config.GetConfig(Section) ?? throw new SettingsException($"missing section {Section}");
        var completion = new CompletionSettings(
            Positive(c, "send-delay"),
            Positive(c, "trace-timeout"),
            PositiveInt(c, "max-spans-per-trace"),
            c.GetByteSize("max-bytes-per-trace") is long b and > 0 ? b : throw Invalid("max-bytes-per-trace", "a positive size like 16MiB"));
        if (completion.SendDelay >= completion.TraceTimeout)
        {
            throw Invalid("send-delay", "a duration shorter than trace-timeout");
        }
        return new TraceActorSettings(
            completion,
            PositiveInt(c, "number-of-shards"),
            PositiveInt(c, "decision-cache.size"),
            Positive(c, "decision-cache.max-age"),
            c.GetString("role", "process"),
            c.GetBoolean("durable-decisions.enabled", false),
            c.GetString("durable-decisions.journal-plugin", string.Empty),
            new CorrelationSettings(
                c.GetBoolean("correlation.enabled", false),
                c.GetString("correlation.attribute", string.Empty),
                c.GetBoolean("correlation.follow-links", true),
                Positive(c, "correlation.group-wait")))
        {
            CompletionTick = Positive(c, "completion-tick"),
            ConfirmInterval = Positive(c, "confirm-interval"),
            MemoryTrimInterval = Positive(c, "memory-trim-interval"),
            LookupTimeout = Positive(c, "durable-decisions.lookup-timeout"),
        };
    }

    private static TimeSpan Positive(Config c, string key)
    {
        var v = c.GetTimeSpan(key, TimeSpan.Zero, allowInfinite: false);
        return v > TimeSpan.Zero ? v : throw Invalid(key, "a positive duration like 2s");
    }

    private static int PositiveInt(Config c, string key)
    {
        var v = c.GetInt(key, 0);
        return v > 0 ? v : throw Invalid(key, "a positive integer");
    }

    private static SettingsException Invalid(string key, string expected) => new($"{Section}.{key}: expected {expected}");
}
