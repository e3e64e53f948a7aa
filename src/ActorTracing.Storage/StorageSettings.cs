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
    public const int DefaultMergeThreadNice = 19;
    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMinRetryBackoff = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DefaultMaxRetryBackoff = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultRetentionInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultEmbeddedOpenTimeout = TimeSpan.FromMinutes(2);

    private static readonly Lazy<Config> DefaultConfigValue = new(LoadDefaultConfig);

    /// <summary>Embedded chDB, or ClickHouse servers over HTTP (<see cref="Shards"/>).</summary>
    public StorageEngine Engine { get; init; } = StorageEngine.Embedded;

    public string DataDirectory { get; init; } = DefaultDataDirectory;

    /// <summary>Background merge threads of the embedded engine (chDB's background_pool_size); applies when the engine opens.</summary>
    public int EmbeddedMergeThreads { get; init; } = ChdbEngine.DefaultMergeThreads;

    /// <summary>
    /// Nice value of the embedded engine's merge threads (storage.conf: embedded-merge-thread-nice),
    /// 0-19; 0 leaves them alone. Merges are background work that may wait: at the lowest priority
    /// they run on cycles the node's requests, actors and inserts leave idle, instead of taking a
    /// core from them for the length of a merge (20-80 % of a core in bursts at 200k spans/s).
    /// </summary>
    public int EmbeddedMergeThreadNice { get; init; } = DefaultMergeThreadNice;

    /// <summary>
    /// Longest opening the embedded engine and creating or upgrading its schema may take at start
    /// (storage.conf: embedded-open-timeout); past it the start fails naming the statement it is stuck in.
    /// </summary>
    public TimeSpan EmbeddedOpenTimeout { get; init; } = DefaultEmbeddedOpenTimeout;

    public string Database { get; init; } = TraceSchema.DefaultDatabase;

    /// <summary>Rows per insert at most.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Longest a row waits in a partial batch.</summary>
    public TimeSpan FlushInterval { get; init; } = DefaultFlushInterval;

    public TimeSpan MinRetryBackoff { get; init; } = DefaultMinRetryBackoff;

    public TimeSpan MaxRetryBackoff { get; init; } = DefaultMaxRetryBackoff;

    /// <summary>Days rows are kept; 0 = forever.</summary>
    public int TtlDays { get; init; } = TraceSchema.DefaultTtlDays;

    /// <summary>
    /// The servers' HTTP endpoints (servers mode), one per shard. A trace goes to shard
    /// <c>TraceId.StableHash() % Shards.Count</c>, so the order is part of the data layout.
    /// </summary>
    /// <remarks>A list compares by reference in a record; no shards is always the one empty array, so defaults stay equal.</remarks>
    public IReadOnlyList<Uri> Shards { get; init; } = Array.Empty<Uri>();

    /// <summary>ClickHouse user on every shard; empty for none (the server's "default").</summary>
    public string User { get; init; } = string.Empty;

    public string Password { get; init; } = string.Empty;

    /// <summary>Longest one HTTP request to a shard may take (servers mode).</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    /// <summary>How often expired days are dropped on each shard (servers mode, ttl-days &gt; 0).</summary>
    public TimeSpan RetentionInterval { get; init; } = DefaultRetentionInterval;

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
            Engine = ParseEngine(section.GetString("engine")),
            Shards = ParseShards(section.GetStringList("shards")),
            User = section.GetString("user") ?? string.Empty,
            Password = PasswordOrEnvironment(section.GetString("password")),
            RequestTimeout = section.GetTimeSpan("request-timeout", null, allowInfinite: false),
            RetentionInterval = section.GetTimeSpan("retention-interval", null, allowInfinite: false),
            DataDirectory = section.GetString("data-directory"),
            EmbeddedMergeThreads = section.GetInt("embedded-merge-threads", ChdbEngine.DefaultMergeThreads),
            EmbeddedMergeThreadNice = section.GetInt("embedded-merge-thread-nice", DefaultMergeThreadNice),
            EmbeddedOpenTimeout = section.GetTimeSpan("embedded-open-timeout", null, allowInfinite: false),
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
        if (EmbeddedMergeThreads is < 1 or > 64)
        {
            throw Invalid("embedded-merge-threads", "must be 1-64 threads", EmbeddedMergeThreads);
        }
        if (EmbeddedMergeThreadNice is < 0 or > 19)
        {
            throw Invalid("embedded-merge-thread-nice", "must be a nice value from 0 to 19 (0 = leave the merge threads alone)", EmbeddedMergeThreadNice);
        }
        if (EmbeddedOpenTimeout <= TimeSpan.Zero)
        {
            throw Invalid("embedded-open-timeout", "must be > 0", EmbeddedOpenTimeout);
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
        if (!Enum.IsDefined(Engine))
        {
            throw Invalid("engine", "must be embedded or servers", Engine);
        }
        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw Invalid("request-timeout", "must be > 0", RequestTimeout);
        }
        if (RetentionInterval <= TimeSpan.Zero)
        {
            throw Invalid("retention-interval", "must be > 0", RetentionInterval);
        }
        ArgumentNullException.ThrowIfNull(Shards, nameof(Shards));
        for (var i = 0; i < Shards.Count; i++)
        {
            var shard = Shards[i];
            if (shard is null || !shard.IsAbsoluteUri || (shard.Scheme != Uri.UriSchemeHttp && shard.Scheme != Uri.UriSchemeHttps)
                || !string.IsNullOrEmpty(shard.Query))
            {
                throw Invalid($"shards[{i}]", "must be an http(s) URL of a ClickHouse HTTP interface without a query, e.g. http://127.0.0.1:8123", shard);
            }
            for (var j = 0; j < i; j++)
            {
                if (Uri.Compare(Shards[j], shard, UriComponents.HttpRequestUrl, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0)
                {
                    throw Invalid($"shards[{i}]", $"must differ from shards[{j}] (one server cannot be two shards)", shard);
                }
            }
        }
        if (Engine == StorageEngine.Servers && Shards.Count == 0)
        {
            throw Invalid("shards", "must list at least one URL when engine = servers", "[]");
        }
        if (User.Length > 0 && !TraceSchema.IsValidIdentifier(User))
        {
            throw Invalid("user", "must be letters, digits and '_', not starting with a digit (or empty)", User);
        }
    }

    /// <summary>Creates the store of every shard (schema included), in <see cref="Shards"/> order.</summary>
    /// <exception cref="StorageException">A shard is unreachable, refuses the credentials or the schema; the message names it.</exception>
    public async Task<IReadOnlyList<ServerSpanStore>> OpenShardsAsync(CancellationToken cancellationToken)
    {
        Validate();
        var stores = new List<ServerSpanStore>(Shards.Count);
        try
        {
            foreach (var shard in Shards)
            {
                stores.Add(await ServerSpanStore.OpenAsync(shard, this, cancellationToken).ConfigureAwait(false));
            }
            return stores;
        }
        catch
        {
            stores.ForEach(s => s.Dispose());
            throw;
        }
    }

    /// <summary>Read when <c>password</c> is empty, so secrets stay out of HOCON files (Akka's HOCON has no environment substitution we can rely on).</summary>
    public const string PasswordEnvironmentVariable = "ACTORTRACING_CLICKHOUSE_PASSWORD";

    private static string PasswordOrEnvironment(string? configured) =>
        !string.IsNullOrEmpty(configured) ? configured : Environment.GetEnvironmentVariable(PasswordEnvironmentVariable) ?? string.Empty;

    // The generated ToString would print the password into any log line that shows the settings.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"Engine = {Engine}, DataDirectory = {DataDirectory}, Database = {Database}, BatchSize = {BatchSize}, FlushInterval = {FlushInterval}, " +
            $"MinRetryBackoff = {MinRetryBackoff}, MaxRetryBackoff = {MaxRetryBackoff}, TtlDays = {TtlDays}, Shards = [{string.Join(", ", Shards)}], " +
            $"User = {User}, Password = {(Password.Length == 0 ? string.Empty : "***")}, RequestTimeout = {RequestTimeout}, RetentionInterval = {RetentionInterval}");
        return true;
    }

    private static StorageEngine ParseEngine(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "embedded" => StorageEngine.Embedded,
        "servers" => StorageEngine.Servers,
        _ => throw Invalid("engine", "must be embedded or servers", value),
    };

    private static IReadOnlyList<Uri> ParseShards(IList<string>? values)
    {
        if (values is null || values.Count == 0)
        {
            return Array.Empty<Uri>();
        }
        var shards = new Uri[values.Count];
        for (var i = 0; i < shards.Length; i++)
        {
            if (!Uri.TryCreate(values[i]?.Trim(), UriKind.Absolute, out var uri))
            {
                throw Invalid($"shards[{i}]", "must be an http(s) URL of a ClickHouse HTTP interface, e.g. http://127.0.0.1:8123", values[i]);
            }
            shards[i] = uri;
        }
        return shards;
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
