using Akka.Configuration;
using StackExchange.Redis;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// Typed, validated settings of one Redis plugin section (<c>akka.persistence.journal.redis</c> or
/// <c>akka.persistence.snapshot-store.redis</c>); see reference.conf for each key's meaning and unit.
/// </summary>
public sealed class RedisPersistenceSettings
{
    public const string DefaultConfigurationString = "127.0.0.1:6379";
    public const string DefaultKeyPrefix = "actortracing:";

    public RedisPersistenceSettings(
        string configurationString,
        int database,
        string keyPrefix,
        KeyTtlPolicy keyTtl,
        int pageSize,
        IReadOnlyList<string>? singleEventPrefixes = null)
    {
        ConfigurationString = configurationString;
        Database = database;
        KeyPrefix = keyPrefix;
        KeyTtl = keyTtl;
        PageSize = pageSize;
        SingleEventPrefixes = singleEventPrefixes ?? [];
    }

    /// <summary><c>configuration-string</c>: StackExchange.Redis configuration string.</summary>
    public string ConfigurationString { get; }

    /// <summary><c>database</c>: Redis logical database.</summary>
    public int Database { get; }

    /// <summary><c>key-prefix</c>: put in front of every key.</summary>
    public string KeyPrefix { get; }

    /// <summary><c>key-ttl</c> and <c>key-ttl-by-prefix</c>.</summary>
    public KeyTtlPolicy KeyTtl { get; }

    /// <summary><c>page-size</c>: events (journal) or snapshots (store) read per request.</summary>
    public int PageSize { get; }

    /// <summary><c>single-event-prefixes</c> (journal only): persistence ids that hold at most one event.</summary>
    public IReadOnlyList<string> SingleEventPrefixes { get; }

    /// <summary>Whether <paramref name="persistenceId"/> is stored in the single-event layout.</summary>
    public bool IsSingleEvent(string persistenceId)
    {
        foreach (var prefix in SingleEventPrefixes)
        {
            if (persistenceId.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Reads and validates a plugin section. <paramref name="path"/> is the section's full path (e.g.
    /// <c>akka.persistence.journal.redis</c>); errors name the full key so a bad value is found at once.
    /// Keys missing from <paramref name="config"/> fall back to the embedded reference.conf section of
    /// the same kind (journal or snapshot store).
    /// </summary>
    /// <exception cref="ConfigurationException">A key has an invalid value.</exception>
    public static RedisPersistenceSettings Create(Config config, string path)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(path);

        var defaults = RedisPersistence.DefaultConfig().GetConfig(
            path.StartsWith("akka.persistence.snapshot-store.", StringComparison.Ordinal)
                ? RedisPersistence.SnapshotStoreConfigPath
                : RedisPersistence.JournalConfigPath);
        var c = config.WithFallback(defaults);

        var configurationString = Read(path, "configuration-string", () => c.GetString("configuration-string", null));
        if (string.IsNullOrWhiteSpace(configurationString))
        {
            throw Invalid(path, "configuration-string", "must name at least one Redis endpoint, e.g. \"127.0.0.1:6379\"", configurationString);
        }

        try
        {
            var parsed = ConfigurationOptions.Parse(configurationString);
            if (parsed.EndPoints.Count == 0)
            {
                throw Invalid(path, "configuration-string", "names no endpoint (expected host:port)", configurationString);
            }
        }
        catch (ArgumentException e)
        {
            throw Invalid(path, "configuration-string", $"is not a valid StackExchange.Redis configuration string ({e.Message})", configurationString);
        }

        var database = Read(path, "database", () => c.GetInt("database", 0));
        if (database < 0)
        {
            throw Invalid(path, "database", "must be >= 0", database);
        }

        var keyPrefix = Read(path, "key-prefix", () => c.GetString("key-prefix", null)) ?? string.Empty;
        if (keyPrefix.Contains('{', StringComparison.Ordinal) || keyPrefix.Contains('}', StringComparison.Ordinal))
        {
            // A brace in the prefix would become the Redis Cluster hash tag instead of {persistenceId}.
            throw Invalid(path, "key-prefix", "must not contain '{' or '}' (they delimit the Redis Cluster hash tag)", keyPrefix);
        }

        var keyTtl = Read(path, "key-ttl", () => c.GetTimeSpan("key-ttl", TimeSpan.Zero, allowInfinite: false));
        ValidateTtl(path, "key-ttl", keyTtl);

        var byPrefix = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var prefixSection = c.HasPath("key-ttl-by-prefix") ? c.GetConfig("key-ttl-by-prefix") : null;
        if (prefixSection is not null && !prefixSection.IsEmpty)
        {
            foreach (var entry in prefixSection.Root.GetObject().Items)
            {
                var prefix = entry.Key;
                var key = $"key-ttl-by-prefix.\"{prefix}\"";
                if (prefix.Length == 0)
                {
                    throw Invalid(path, key, "prefix must not be empty (use key-ttl for every persistence id)", prefix);
                }

                var ttl = Read(path, key, () => entry.Value.GetTimeSpan());
                ValidateTtl(path, key, ttl);
                byPrefix[prefix] = ttl;
            }
        }

        var pageSize = Read(path, "page-size", () => c.GetInt("page-size", 0));
        if (pageSize < 1)
        {
            throw Invalid(path, "page-size", "must be >= 1", pageSize);
        }

        var singleEventPrefixes = Read(path, "single-event-prefixes", () => c.HasPath("single-event-prefixes") ? c.GetStringList("single-event-prefixes") : []);
        if (singleEventPrefixes.Any(string.IsNullOrEmpty))
        {
            throw Invalid(path, "single-event-prefixes", "must not contain an empty prefix (it would make every persistence id single-event)", string.Join(", ", singleEventPrefixes));
        }

        return new RedisPersistenceSettings(configurationString, database, keyPrefix, new KeyTtlPolicy(keyTtl, byPrefix), pageSize, [.. singleEventPrefixes]);
    }

    public RedisPersistenceSettings WithConfigurationString(string value) => new(value, Database, KeyPrefix, KeyTtl, PageSize, SingleEventPrefixes);

    public RedisPersistenceSettings WithDatabase(int value) => new(ConfigurationString, value, KeyPrefix, KeyTtl, PageSize, SingleEventPrefixes);

    public RedisPersistenceSettings WithKeyPrefix(string value) => new(ConfigurationString, Database, value, KeyTtl, PageSize, SingleEventPrefixes);

    public RedisPersistenceSettings WithKeyTtl(KeyTtlPolicy value) => new(ConfigurationString, Database, KeyPrefix, value, PageSize, SingleEventPrefixes);

    public RedisPersistenceSettings WithPageSize(int value) => new(ConfigurationString, Database, KeyPrefix, KeyTtl, value, SingleEventPrefixes);

    public RedisPersistenceSettings WithSingleEventPrefixes(IReadOnlyList<string> value) => new(ConfigurationString, Database, KeyPrefix, KeyTtl, PageSize, value);

    private static void ValidateTtl(string path, string key, TimeSpan ttl)
    {
        if (ttl < TimeSpan.Zero)
        {
            throw Invalid(path, key, "must be 0s (never expire) or a positive duration", ttl);
        }

        // PEXPIRE has millisecond resolution: a positive TTL under 1ms would silently mean "off".
        if (ttl > TimeSpan.Zero && ttl < TimeSpan.FromMilliseconds(1))
        {
            throw Invalid(path, key, "must be 0s (never expire) or at least 1ms", ttl);
        }
    }

    // HOCON type errors (e.g. "abc" where a duration is expected) surface as exceptions that do
    // not name the key; re-throw them with the full key so the operator knows what to fix.
    private static T Read<T>(string path, string key, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ConfigurationException)
        {
            throw;
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            throw new ConfigurationException($"{path}.{key}: {e.Message}", e);
        }
    }

    private static ConfigurationException Invalid(string path, string key, string problem, object? value) =>
        new($"{path}.{key} {problem}; got [{value}]");
}
