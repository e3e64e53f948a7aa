using System.Net;
using System.Text;
using Akka.Configuration;

namespace ActorTracing.Admin;

/// <summary>Typed view of <c>actortracing.admin</c> (hocon/admin.conf), validated at startup.</summary>
public sealed record AdminSettings
{
    public const string Section = "actortracing.admin";

    /// <summary>Read when <c>actortracing.admin.token</c> is empty, so the secret can stay out of config files.</summary>
    public const string TokenEnvironmentVariable = "ACTORTRACING_ADMIN_TOKEN";

    public const int DefaultPort = 9110;

    public const int MinTokenLength = 16;

    public bool Enabled { get; init; } = true;

    public string BindAddress { get; init; } = "127.0.0.1";

    public int Port { get; init; } = DefaultPort;

    /// <summary>The bearer token, or null when none is required (loopback only).</summary>
    public string? Token { get; init; }

    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public int MaxChildren { get; init; } = 50;

    /// <summary>True when <see cref="BindAddress"/> only accepts connections from this machine.</summary>
    public bool IsLoopback => IsLoopbackHost(BindAddress);

    /// <summary>
    /// Reads <c>actortracing.admin</c> from <paramref name="config"/> with hocon/admin.conf as the
    /// fallback, takes the token from <see cref="TokenEnvironmentVariable"/> when the key is empty,
    /// and validates.
    /// </summary>
    /// <param name="environment">Environment lookup; null = the process environment (tests pass their own).</param>
    /// <exception cref="ConfigurationException">A value is invalid; the message names the key (never the token's value).</exception>
    public static AdminSettings Create(Config? config, Func<string, string?>? environment = null)
    {
        var merged = config is null || config.IsEmpty ? DefaultConfig() : config.WithFallback(DefaultConfig());
        var c = merged.GetConfig(Section);
        var token = c.GetString("token", string.Empty);
        if (string.IsNullOrEmpty(token))
        {
            token = (environment ?? Environment.GetEnvironmentVariable)(TokenEnvironmentVariable);
        }
        var settings = new AdminSettings
        {
            Enabled = c.GetBoolean("enabled", true),
            BindAddress = c.GetString("bind-address", string.Empty),
            Port = c.GetInt("port", -1),
            Token = string.IsNullOrEmpty(token) ? null : token,
            AskTimeout = c.GetTimeSpan("ask-timeout", TimeSpan.Zero, allowInfinite: false),
            MaxChildren = c.GetInt("max-children", 0),
        };
        settings.Validate();
        return settings;
    }

    /// <exception cref="ConfigurationException">A value is invalid; the message names the key.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BindAddress))
        {
            throw Invalid("bind-address", "an IP address, \"localhost\" or \"*\"");
        }
        if (BindAddress != "*" && !BindAddress.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(BindAddress, out _))
        {
            throw Invalid("bind-address", $"an IP address, \"localhost\" or \"*\", not '{BindAddress}'");
        }
        if (Port is < 0 or > 65535)
        {
            throw Invalid("port", "a port number 0-65535");
        }
        if (AskTimeout <= TimeSpan.Zero)
        {
            throw Invalid("ask-timeout", "a positive duration like 3s");
        }
        if (MaxChildren < 1)
        {
            throw Invalid("max-children", "a child count >= 1");
        }
        if (Token is not null && (Token.Length < MinTokenLength || Token.Any(char.IsWhiteSpace)))
        {
            // The value itself is never part of the message: configuration errors end up in logs.
            throw Invalid("token", $"at least {MinTokenLength} characters without whitespace (or ${TokenEnvironmentVariable})");
        }
        if (Enabled && Token is null && !IsLoopback)
        {
            throw Invalid("token", $"a bearer token (or ${TokenEnvironmentVariable}) because {Section}.bind-address '{BindAddress}' is not a loopback address: the endpoint can down cluster members");
        }
    }

    public static bool IsLoopbackHost(string hostname) =>
        hostname.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(hostname, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The commented defaults embedded from hocon/admin.conf.</summary>
    public static Config DefaultConfig()
    {
        using var stream = typeof(AdminSettings).Assembly.GetManifestResourceStream("ActorTracing.Admin.admin.conf")
            ?? throw new InvalidOperationException("embedded hocon/admin.conf is missing from ActorTracing.Admin");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    // The generated record ToString would print the token into any log line that prints settings.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Enabled = ").Append(Enabled)
            .Append(", BindAddress = ").Append(BindAddress)
            .Append(", Port = ").Append(Port)
            .Append(", Token = ").Append(Token is null ? "(none)" : "(set)")
            .Append(", AskTimeout = ").Append(AskTimeout)
            .Append(", MaxChildren = ").Append(MaxChildren);
        return true;
    }

    private static ConfigurationException Invalid(string key, string expected) => new($"{Section}.{key}: expected {expected}");
}
