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
        long releaseThreshold;
        try
        {
            releaseThreshold = c.GetByteSize("memory-release-threshold") ?? -1;
        }
        catch (FormatException)
        {
            releaseThreshold = -1;
        }
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
        };
    }

    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    private static string NonEmpty(Config c, string key)
    {
        var v = c.GetString(key, string.Empty);
        return string.IsNullOrWhiteSpace(v) ? throw Invalid(key, "a non-empty string") : v;
    }

    private static ConfigurationException Invalid(string key, string expected) => new($"{Section}.{key}: expected {expected}");
}
