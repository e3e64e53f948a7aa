using System.Globalization;
using System.Net;
using Akka.Configuration;

namespace ActorTracing.Query;

/// <summary>
/// Settings of the query API and UI, from the HOCON section <c>actortracing.query</c> (defaults
/// and meanings: hocon/query.conf, embedded as <see cref="DefaultConfig"/>). Immutable; change a
/// copy with <c>with</c>. <see cref="Validate"/> names the offending key.
/// </summary>
public sealed record QuerySettings
{
    public const string Section = "actortracing.query";
    public const string DefaultEndpoint = "127.0.0.1:16686";
    public const int DefaultDefaultLimit = 20;
    public const int DefaultMaxLimit = 1500;
    public static readonly TimeSpan DefaultLookback = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultQueryTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultOverviewPollInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MinOverviewPollInterval = TimeSpan.FromMilliseconds(250);

    private static readonly Lazy<Config> EmbeddedDefaults = new(LoadEmbeddedDefaults);

    public static QuerySettings Default { get; } = new();

    /// <summary>The embedded hocon/query.conf: the fallback for every key a node leaves out.</summary>
    public static Config DefaultConfig => EmbeddedDefaults.Value;

    public bool Enabled { get; init; } = true;

    /// <summary>host:port of the API/UI listener.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    public int DefaultLimit { get; init; } = DefaultDefaultLimit;

    public int MaxLimit { get; init; } = DefaultMaxLimit;

    public TimeSpan Lookback { get; init; } = DefaultLookback;

    public TimeSpan QueryTimeout { get; init; } = DefaultQueryTimeout;

    public bool UiEnabled { get; init; } = true;

    public TimeSpan OverviewPollInterval { get; init; } = DefaultOverviewPollInterval;

    /// <summary>The listener address (validated).</summary>
    public IPEndPoint IPEndPoint => ParseEndpoint(Endpoint);

    /// <summary>Reads <c>actortracing.query</c> from <paramref name="config"/> (falling back to the embedded defaults) and validates it.</summary>
    /// <exception cref="ConfigurationException">A key holds an invalid value; the message names the key.</exception>
    public static QuerySettings Create(Config? config)
    {
        var merged = config is null || config.IsEmpty ? DefaultConfig : config.WithFallback(DefaultConfig);
        var section = merged.GetConfig(Section);
        var settings = new QuerySettings
        {
            Enabled = Read(() => section.GetBoolean("enabled", true), "enabled", section),
            Endpoint = section.GetString("endpoint", DefaultEndpoint) ?? string.Empty,
            DefaultLimit = Read(() => section.GetInt("default-limit", DefaultDefaultLimit), "default-limit", section),
            MaxLimit = Read(() => section.GetInt("max-limit", DefaultMaxLimit), "max-limit", section),
            Lookback = Read(() => section.GetTimeSpan("default-lookback", DefaultLookback, allowInfinite: false), "default-lookback", section),
            QueryTimeout = Read(() => section.GetTimeSpan("query-timeout", DefaultQueryTimeout, allowInfinite: false), "query-timeout", section),
            UiEnabled = Read(() => section.GetBoolean("ui-enabled", true), "ui-enabled", section),
            OverviewPollInterval = Read(() => section.GetTimeSpan("overview-poll-interval", DefaultOverviewPollInterval, allowInfinite: false), "overview-poll-interval", section),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Checks every value; settings built in code (tests, the node) go through this too.</summary>
    /// <exception cref="ConfigurationException">A value is invalid; the message names its HOCON key.</exception>
    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }
        _ = ParseEndpoint(Endpoint);
        if (DefaultLimit < 1)
        {
            throw Invalid("default-limit", "must be >= 1", DefaultLimit);
        }
        if (MaxLimit < DefaultLimit)
        {
            throw Invalid("max-limit", $"must be >= default-limit ({DefaultLimit})", MaxLimit);
        }
        if (Lookback <= TimeSpan.Zero)
        {
            throw Invalid("default-lookback", "must be > 0", Lookback);
        }
        if (QueryTimeout <= TimeSpan.Zero)
        {
            throw Invalid("query-timeout", "must be > 0", QueryTimeout);
        }
        if (OverviewPollInterval < MinOverviewPollInterval)
        {
            throw Invalid("overview-poll-interval", "must be >= 250ms", OverviewPollInterval);
        }
    }

    private static IPEndPoint ParseEndpoint(string endpoint)
    {
        var colon = endpoint?.LastIndexOf(':') ?? -1;
        if (endpoint is null || colon <= 0
            || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > IPEndPoint.MaxPort)
        {
            throw Invalid("endpoint", "must be host:port with a port from 0 to 65535", endpoint);
        }
        var host = endpoint[..colon].Trim('[', ']');
        if (host == "*")
        {
            return new IPEndPoint(IPAddress.Any, port);
        }
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }
        return IPAddress.TryParse(host, out var address)
            ? new IPEndPoint(address, port)
            : throw Invalid("endpoint", "must have an IP address, \"localhost\" or \"*\" as host", endpoint);
    }

    private static T Read<T>(Func<T> read, string key, Config section)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException or InvalidCastException or ArgumentException)
        {
            throw new ConfigurationException($"{Section}.{key}: '{section.GetString(key)}' is not valid: {e.Message}");
        }
    }

    private static ConfigurationException Invalid(string key, string rule, object? value) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{Section}.{key} {rule}, but is '{value}'."));

    private static Config LoadEmbeddedDefaults()
    {
        using var stream = typeof(QuerySettings).Assembly.GetManifestResourceStream("ActorTracing.Query.query.conf")
            ?? throw new InvalidOperationException("The embedded hocon/query.conf is missing from ActorTracing.Query.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
