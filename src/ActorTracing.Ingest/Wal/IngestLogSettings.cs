using System.Globalization;
using Akka.Configuration;

namespace ActorTracing.Ingest.Wal;

/// <summary>
/// The OTLP receivers' write-ahead log, from <c>actortracing.ingest.wal</c> (defaults and
/// meanings: hocon/ingest.conf). Read by <see cref="IngestSettings.Create"/>; see <see cref="IngestLog"/>.
/// </summary>
public sealed record IngestLogSettings
{
    public const string Section = IngestSettings.Section + ".wal";
    public const string DefaultDirectory = ".data/ingest-wal";
    public const long DefaultSegmentBytes = 64L * 1024 * 1024;
    public const long DefaultMaxBytes = 4L * 1024 * 1024 * 1024;
    // Off: a flush of the file being appended to stalls the appends behind it (10-30 ms on ext4,
    // once per flush), which put ack p99 at 200k spans/s from ~10 ms to ~25 ms; see hocon/ingest.conf.
    public static readonly TimeSpan DefaultSyncInterval = TimeSpan.Zero;

    private const long MinSegmentBytes = 64 * 1024;
    private const long MaxSegmentBytes = 1024L * 1024 * 1024;

    public static IngestLogSettings Default { get; } = new();

    public bool Enabled { get; init; } = true;

    /// <summary>Where the segments live; one directory per node (a lock file keeps a second node out).</summary>
    public string Directory { get; init; } = DefaultDirectory;

    /// <summary>A segment is closed and a new one begun once it holds this many bytes.</summary>
    public long SegmentBytes { get; init; } = DefaultSegmentBytes;

    /// <summary>Bytes on disk past which OTLP ingest refuses with Retry-After until decisions free segments.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>How often written segments are flushed to the device; zero (the default) leaves it to the OS.</summary>
    public TimeSpan SyncInterval { get; init; } = DefaultSyncInterval;

    internal static IngestLogSettings Create(Config ingestSection)
    {
        var section = ingestSection.GetConfig("wal");
        if (section is null || section.IsEmpty)
        {
            return Default;
        }
        return new IngestLogSettings
        {
            Enabled = section.GetBoolean("enabled", true),
            Directory = section.GetString("directory", DefaultDirectory) ?? string.Empty,
            SegmentBytes = ByteSize(section, "segment-size", DefaultSegmentBytes),
            MaxBytes = ByteSize(section, "max-size", DefaultMaxBytes),
            SyncInterval = SyncIntervalOf(section),
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
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ConfigurationException($"{Section}.directory must name a directory when {Section}.enabled = on");
        }
        if (SegmentBytes < MinSegmentBytes || SegmentBytes > MaxSegmentBytes)
        {
            throw new ConfigurationException($"{Section}.segment-size must be between 64 KiB and 1 GiB, got {SegmentBytes.ToString(CultureInfo.InvariantCulture)} bytes");
        }
        if (MaxBytes < SegmentBytes * 2)
        {
            throw new ConfigurationException($"{Section}.max-size must be at least twice {Section}.segment-size ({(SegmentBytes * 2).ToString(CultureInfo.InvariantCulture)} bytes), got {MaxBytes.ToString(CultureInfo.InvariantCulture)} bytes");
        }
        if (SyncInterval < TimeSpan.Zero)
        {
            throw new ConfigurationException($"{Section}.sync-interval must be a duration >= 0 (or off), got {SyncInterval}");
        }
    }

    private static long ByteSize(Config section, string key, long fallback)
    {
        try
        {
            return section.GetByteSize(key) ?? fallback;
        }
        catch (Exception ex) when (ex is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"{Section}.{key}: '{section.GetString(key)}' is not a byte size (e.g. 64 MiB): {ex.Message}");
        }
    }

    private static TimeSpan SyncIntervalOf(Config section)
    {
        var raw = section.GetString("sync-interval", "off");
        if (string.Equals(raw, "off", StringComparison.OrdinalIgnoreCase) || string.Equals(raw, "false", StringComparison.OrdinalIgnoreCase))
        {
            return TimeSpan.Zero;
        }
        try
        {
            return section.GetTimeSpan("sync-interval", DefaultSyncInterval);
        }
        catch (Exception ex) when (ex is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"{Section}.sync-interval: '{raw}' is not a duration (e.g. 1s) or off: {ex.Message}");
        }
    }
}
