using Akka.Configuration;

namespace ActorTracing.Node.Configuration;

/// <summary>Typed view of <c>actortracing.node</c> (hocon/node.conf), validated at startup.</summary>
public sealed record NodeSettings(
    string SystemName,
    string Region,
    string Hostname,
    int Port,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> SeedNodes,
    long MaxBufferedBytes,
    long MaxPendingRows,
    TimeSpan RetryAfter,
    TimeSpan ShardHomesRefresh)
{
    public const string Section = "actortracing.node";

    /// <summary>Nice value given to the server GC threads at start (node.conf: gc-thread-nice); 0 leaves them alone.</summary>
    public int GcThreadNice { get; init; } = -10;

    /// <summary>Buffer memory the shards must give back within three trim intervals for a collection that returns it (node.conf: memory-release-threshold); 0 = never.</summary>
    public long MemoryReleaseThreshold { get; init; } = 64L << 20;

    /// <summary>Whether spans sent to an owner on another node are kept until it confirms them (node.conf: redelivery.enabled).</summary>
    public bool RedeliveryEnabled { get; init; } = true;

    /// <summary>How long an unconfirmed message waits before it may be sent again once its owner has left (node.conf: redelivery.redeliver-after).</summary>
    public TimeSpan RedeliverAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes of unconfirmed spans past which ingest refuses (node.conf: redelivery.max-unconfirmed-bytes).</summary>
    public long MaxUnconfirmedBytes { get; init; } = 256L << 20;

    public static NodeSettings Create(Config config)
    {
        var c = config.GetConfig(Section) ?? throw new ConfigurationException($"missing section {Section}");
        var port = c.GetInt("port", -1);
        if (port is < 0 or > 65535)
        {
            throw Invalid("port", "a port number 0-65535");
        }
        var region = c.GetString("region", string.Empty);
        if (string.IsNullOrWhiteSpace(region))
        {
            throw Invalid("region", "a region name like iad");
        }
        var maxBytes = c.GetByteSize("admission.max-buffered-bytes") ?? 0;
        var maxRows = c.GetLong("admission.max-pending-rows", 0);
        var retry = c.GetTimeSpan("admission.retry-after", TimeSpan.Zero);
        int gcNice;
        try
        {
            gcNice = c.GetInt("gc-thread-nice", int.MinValue);
        }
        catch (FormatException)
        {
            gcNice = int.MinValue;
        }
        if (gcNice is < -20 or > 19)
        {
            throw Invalid("gc-thread-nice", "a nice value from -20 to 19 (0 = leave the GC threads alone)");
        }
        var releaseThreshold = Size(c, "memory-release-threshold");
        if (releaseThreshold < 0)
        {
            throw Invalid("memory-release-threshold", "a size like 64MiB (0 = off)");
        }
        return new NodeSettings(
            NonEmpty(c, "system-name"),
            region,
            NonEmpty(c, "hostname"),
            port,
            c.GetStringList("roles").ToArray(),
            c.GetStringList("seed-nodes").ToArray(),
            maxBytes > 0 ? maxBytes : throw Invalid("admission.max-buffered-bytes", "a positive size like 1GiB"),
            maxRows > 0 ? maxRows : throw Invalid("admission.max-pending-rows", "a positive row count"),
            retry > TimeSpan.Zero ? retry : throw Invalid("admission.retry-after", "a positive duration like 1s"),
            c.GetTimeSpan("admission.shard-homes-refresh", TimeSpan.Zero) is { } refresh && refresh > TimeSpan.Zero ? refresh : throw Invalid("admission.shard-homes-refresh", "a positive duration like 2s"))
        {
            GcThreadNice = gcNice,
            MemoryReleaseThreshold = releaseThreshold,
            RedeliveryEnabled = c.GetBoolean("redelivery.enabled", true),
            RedeliverAfter = c.GetTimeSpan("redelivery.redeliver-after", TimeSpan.Zero) is { } after && after >= TimeSpan.FromMilliseconds(100)
                ? after
                : throw Invalid("redelivery.redeliver-after", "a duration of at least 100ms like 5s"),
            MaxUnconfirmedBytes = Size(c, "redelivery.max-unconfirmed-bytes") is > 0 and var max
                ? max
                : throw Invalid("redelivery.max-unconfirmed-bytes", "a positive size like 256MiB"),
        };
    }

    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>A HOCON size in bytes; -1 when missing or not a size (the caller names what it expected).</summary>
    private static long Size(Config c, string key)
    {
        try
        {
            return c.GetByteSize(key) ?? -1;
        }
        catch (FormatException)
        {
            return -1;
        }
    }

    private static string NonEmpty(Config c, string key)
    {
        var v = c.GetString(key, string.Empty);
        return string.IsNullOrWhiteSpace(v) ? throw Invalid(key, "a non-empty string") : v;
    }

    private static ConfigurationException Invalid(string key, string expected) => new($"{Section}.{key}: expected {expected}");
}
