namespace ActorTracing.Persistence.Redis;

/// <summary>
/// Options of <see cref="RedisPersistenceHostingExtensions.WithRedisPersistence"/>: one set for the
/// journal and the snapshot store, so their key prefix and TTLs cannot drift apart. Each property
/// maps to the reference.conf key of the same name.
/// </summary>
public sealed class RedisPersistenceOptions
{
    public const string DefaultIdentifier = "redis";

    /// <summary><c>configuration-string</c>.</summary>
    public string ConfigurationString { get; set; } = RedisPersistenceSettings.DefaultConfigurationString;

    /// <summary><c>database</c>.</summary>
    public int Database { get; set; }

    /// <summary><c>key-prefix</c>.</summary>
    public string KeyPrefix { get; set; } = RedisPersistenceSettings.DefaultKeyPrefix;

    /// <summary><c>key-ttl</c>; <see cref="TimeSpan.Zero"/> = keys never expire. Millisecond resolution.</summary>
    public TimeSpan KeyTtl { get; set; } = TimeSpan.Zero;

    /// <summary><c>key-ttl-by-prefix</c>: persistence id prefix → TTL; the longest matching prefix wins.</summary>
    public IDictionary<string, TimeSpan> KeyTtlByPrefix { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary><c>single-event-prefixes</c>: persistence id prefixes whose ids hold at most one event (journal only).</summary>
    public ISet<string> SingleEventPrefixes { get; } = new SortedSet<string>(StringComparer.Ordinal);

    /// <summary>Journal plugin id: the journal lives at <c>akka.persistence.journal.{JournalIdentifier}</c>.</summary>
    public string JournalIdentifier { get; set; } = DefaultIdentifier;

    /// <summary>Snapshot store plugin id: <c>akka.persistence.snapshot-store.{SnapshotStoreIdentifier}</c>.</summary>
    public string SnapshotStoreIdentifier { get; set; } = DefaultIdentifier;
}
