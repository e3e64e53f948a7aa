using Akka.Configuration;

namespace ActorTracing.Storage;

/// <summary>
/// Typed <c>actortracing.storage</c> settings (hocon/storage.conf documents every key). Immutable;
/// change a copy with <c>with</c>. <see cref="Validate"/> names the offending key.
/// </summary>
public sealed record StorageSettings
{
    public const string SectionPath = "actortracing.storage";
    public const string DefaultDataDirectory = ".data/chdb";
    public const int DefaultBatchSize = 10_000;
    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan DefaultMinRetryBackoff = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DefaultMaxRetryBackoff = TimeSpan.FromSeconds(5);

    private static readonly Lazy<Config> DefaultConfigValue = new(LoadDefaultConfig);

    public string DataDirectory { get; init; } = DefaultDataDirectory;

    public string Database { get; init; } = TraceSchema.DefaultDatabase;

    /// <summary>Rows per insert at most.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Longest a row waits in a partial batch.</summary>
    public TimeSpan FlushInterval { get; init; } = DefaultFlushInterval;

    public TimeSpan MinRetryBackoff { get; init; } = DefaultMinRetryBackoff;

    public TimeSpan MaxRetryBackoff { get; init; } = DefaultMaxRetryBackoff;

    /// <summary>Days rows are kept; 0 = forever.</summary>
    public int TtlDays { get; init; } = TraceSchema.DefaultTtlDays;

    /// <summary>The defaults from the embedded hocon/storage.conf (the full <c>actortracing.storage</c> path).</summary>
    public static Config DefaultConfig() => DefaultConfigValue.Value;

    /// <summary>
    /// Reads <c>actortracing.storage</c> from <paramref name="config"/> (a full config, e.g. the
    /// ActorSystem's), with hocon/storage.conf as the fallback, and validates the result.
    /// </summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the key.</exception>
    public static StorageSettings Create(Config? config)
    {
        var merged = config is null || config.IsEmpty ? DefaultConfig() : config.WithFallback(DefaultConfig());
        var section = merged.GetConfig(SectionPath);
        var settings = new StorageSettings
        {
            DataDirectory = section.GetString("data-directory"),
            Database = section.GetString("database"),
            BatchSize = section.GetInt("batch-size"),
            FlushInterval = section.GetTimeSpan("flush-interval", null, allowInfinite: false),
            MinRetryBackoff = section.GetTimeSpan("min-retry-backoff", null, allowInfinite: false),
            MaxRetryBackoff = section.GetTimeSpan("max-retry-backoff", null, allowInfinite: false),
            TtlDays = section.GetInt("ttl-days"),
        };
        settings.Validate();
        return settings;
    }

    /// <exception cref="ArgumentException">A value is invalid; the message names the HOCON key.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw Invalid("data-directory", "must be a non-empty path", DataDirectory);
        }
        if (!TraceSchema.IsValidIdentifier(Database))
        {
            throw Invalid("database", "must be letters, digits and '_', not starting with a digit", Database);
        }
        if (BatchSize < 1)
        {
            throw Invalid("batch-size", "must be >= 1 row", BatchSize);
        }
        if (FlushInterval <= TimeSpan.Zero)
        {
            throw Invalid("flush-interval", "must be > 0", FlushInterval);
        }
        if (MinRetryBackoff <= TimeSpan.Zero)
        {
            throw Invalid("min-retry-backoff", "must be > 0", MinRetryBackoff);
        }
        if (MaxRetryBackoff < MinRetryBackoff)
        {
            throw Invalid("max-retry-backoff", $"must be >= min-retry-backoff ({MinRetryBackoff})", MaxRetryBackoff);
        }
        if (TtlDays < 0)
        {
            throw Invalid("ttl-days", "must be >= 0 (0 keeps spans forever)", TtlDays);
        }
    }

    private static ArgumentException Invalid(string key, string rule, object? value) =>
        new($"{SectionPath}.{key} {rule}, but is '{value}'.", key);

    private static Config LoadDefaultConfig()
    {
        using var stream = typeof(StorageSettings).Assembly.GetManifestResourceStream("ActorTracing.Storage.storage.conf")
            ?? throw new InvalidOperationException("The embedded hocon/storage.conf is missing from ActorTracing.Storage.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
