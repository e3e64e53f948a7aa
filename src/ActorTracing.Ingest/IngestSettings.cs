using System.Globalization;
using System.Net;
using ActorTracing.Ingest.Wal;
using Akka.Configuration;

namespace ActorTracing.Ingest;

/// <summary>
/// Settings of the OTLP receivers, from the HOCON section <c>actortracing.ingest</c>
/// (defaults and meanings: hocon/ingest.conf, embedded as <see cref="DefaultConfig"/>).
/// </summary>
public sealed record IngestSettings
{
    public const string Section = "actortracing.ingest";
    public const int DefaultMaxRequestBytes = 8 * 1024 * 1024;
    public const string DefaultGrpcEndpoint = "127.0.0.1:4317";
    public const string DefaultHttpEndpoint = "127.0.0.1:4318";
    public const string DefaultRegion = "default";

    // A request is held whole in memory (decoded spans slice it), so the cap also bounds memory per request.
    private const long MinRequestBytes = 1024;
    private const long MaxAllowedRequestBytes = 1024L * 1024 * 1024;

    private static readonly Lazy<Config> EmbeddedDefaults = new(LoadEmbeddedDefaults);

    public static IngestSettings Default { get; } = new();

    /// <summary>The embedded hocon/ingest.conf: the fallback for every key a node leaves out.</summary>
    public static Config DefaultConfig => EmbeddedDefaults.Value;

    /// <summary>host:port of the OTLP/gRPC listener (h2c).</summary>
    public string GrpcEndpoint { get; init; } = DefaultGrpcEndpoint;

    /// <summary>host:port of the OTLP/HTTP listener (HTTP/1.1 and HTTP/2).</summary>
    public string HttpEndpoint { get; init; } = DefaultHttpEndpoint;

    /// <summary>Largest request in bytes, before and after gzip inflation.</summary>
    public int MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    /// <summary>The node's region: the decoder's default for spans whose resource names none.</summary>
    public string Region { get; init; } = DefaultRegion;

    public bool EnableGrpc { get; init; } = true;

    public bool EnableHttp { get; init; } = true;

    /// <summary>Handle OTLP/HTTP requests inline where the socket read completes instead of queueing them to the thread pool again (hocon/ingest.conf: inline-io).</summary>
    public bool InlineIo { get; init; } = true;

    /// <summary>The Kafka source (<c>actortracing.ingest.kafka</c>); off by default.</summary>
    public KafkaIngestSettings Kafka { get; init; } = KafkaIngestSettings.Default;

    /// <summary>The OTLP receivers' write-ahead log (<c>actortracing.ingest.wal</c>); on by default. The host opens it (see <see cref="IngestLog"/>).</summary>
    public IngestLogSettings WriteAheadLog { get; init; } = IngestLogSettings.Default;

    /// <summary>Reads <c>actortracing.ingest</c> from <paramref name="config"/> (falling back to the embedded defaults) and validates it.</summary>
    /// <exception cref="ConfigurationException">A key holds an invalid value; the message names the key.</exception>
    public static IngestSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.WithFallback(DefaultConfig).GetConfig(Section);

        long maxBytes;
        try
        {
            maxBytes = section.GetByteSize("max-request-size") ?? DefaultMaxRequestBytes;
        }
        catch (Exception ex) when (ex is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"{Section}.max-request-size: '{section.GetString("max-request-size")}' is not a byte size (e.g. 8 MiB): {ex.Message}");
        }
        if (maxBytes < MinRequestBytes || maxBytes > MaxAllowedRequestBytes)
        {
            throw new ConfigurationException(
                $"{Section}.max-request-size must be between {MinRequestBytes} bytes and 1 GiB, got {maxBytes.ToString(CultureInfo.InvariantCulture)} bytes");
        }

        var settings = new IngestSettings
        {
            Region = section.GetString("region", DefaultRegion) ?? string.Empty,
            MaxRequestBytes = (int)maxBytes,
            EnableGrpc = section.GetBoolean("grpc.enabled", true),
            GrpcEndpoint = section.GetString("grpc.endpoint", DefaultGrpcEndpoint) ?? string.Empty,
            EnableHttp = section.GetBoolean("http.enabled", true),
            HttpEndpoint = section.GetString("http.endpoint", DefaultHttpEndpoint) ?? string.Empty,
            InlineIo = ReadBoolean(section, "inline-io", true),
            Kafka = KafkaIngestSettings.Create(section),
            WriteAheadLog = IngestLogSettings.Create(section),
        };
        settings.Validate();
        return settings;
    }

    // HOCON's own boolean parsing (on/off, true/false, yes/no); its error does not name the key.
    private static bool ReadBoolean(Config section, string key, bool fallback)
    {
        try
        {
            return section.GetBoolean(key, fallback);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or ArgumentException or InvalidCastException or NotSupportedException)
        {
            throw new ConfigurationException($"{Section}.{key}: expected on or off, got '{section.GetString(key)}'");
        }
    }

    /// <summary>Checks every value; settings built in code (tests, the CLI) go through this too.</summary>
    /// <exception cref="ConfigurationException">A value is invalid; the message names its HOCON key.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Region))
        {
            throw new ConfigurationException($"{Section}.region must be a non-empty region name");
        }
        if (MaxRequestBytes < MinRequestBytes || MaxRequestBytes > MaxAllowedRequestBytes)
        {
            throw new ConfigurationException($"{Section}.max-request-size must be between {MinRequestBytes} bytes and 1 GiB, got {MaxRequestBytes} bytes");
        }
        if (!EnableGrpc && !EnableHttp)
        {
            throw new ConfigurationException($"{Section}.grpc.enabled and {Section}.http.enabled are both off: the node would receive nothing");
        }
        if (EnableGrpc)
        {
            ParseEndpoint(GrpcEndpoint, "grpc.endpoint");
        }
        if (EnableHttp)
        {
            ParseEndpoint(HttpEndpoint, "http.endpoint");
        }
        if (EnableGrpc && EnableHttp)
        {
            var grpc = ParseEndpoint(GrpcEndpoint, "grpc.endpoint");
            var http = ParseEndpoint(HttpEndpoint, "http.endpoint");
            if (grpc.Port != 0 && grpc.Port == http.Port)
            {
                throw new ConfigurationException($"{Section}.grpc.endpoint and {Section}.http.endpoint both use port {grpc.Port}");
            }
        }
        Kafka.Validate();
        WriteAheadLog.Validate();
    }

    /// <summary>The listener address of the gRPC receiver.</summary>
    public IPEndPoint GrpcIPEndPoint => ParseEndpoint(GrpcEndpoint, "grpc.endpoint");

    /// <summary>The listener address of the HTTP receiver.</summary>
    public IPEndPoint HttpIPEndPoint => ParseEndpoint(HttpEndpoint, "http.endpoint");

    private static IPEndPoint ParseEndpoint(string value, string key)
    {
        var text = value?.Trim() ?? string.Empty;
        var colon = text.LastIndexOf(':');
        if (colon > 0)
        {
            var host = text[..colon];
            var port = text[(colon + 1)..];
            var address = host switch
            {
                "*" => IPAddress.Any.ToString(),
                "localhost" => IPAddress.Loopback.ToString(),
                _ => host,
            };
            if (IPEndPoint.TryParse(address.Contains(':', StringComparison.Ordinal) && !address.StartsWith('[') ? $"[{address}]:{port}" : $"{address}:{port}", out var endpoint)
                && port.Length > 0
                && port.All(char.IsAsciiDigit))
            {
                return endpoint;
            }
        }
        throw new ConfigurationException(
            $"{Section}.{key}: '{value}' is not host:port (host an IP address, 'localhost' or '*'; port 0-65535)");
    }

    private static Config LoadEmbeddedDefaults()
    {
        using var stream = typeof(IngestSettings).Assembly.GetManifestResourceStream("ActorTracing.Ingest.ingest.conf")
            ?? throw new InvalidOperationException("ingest.conf is not embedded in ActorTracing.Ingest");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
