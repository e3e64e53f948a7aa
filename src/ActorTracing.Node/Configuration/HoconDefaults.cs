using System.Reflection;
using Akka.Configuration;

namespace ActorTracing.Node.Configuration;

/// <summary>
/// Loads the node's configuration: an optional operator file over an optional rules file over the
/// embedded, commented defaults from hocon/. Deployment config and sampling rules stay apart so
/// rules can change without touching addresses and ports.
/// </summary>
public static class HoconDefaults
{
    /// <summary>The embedded files, in fallback order (first wins).</summary>
    public static readonly IReadOnlyList<string> Files = ["node.conf", "trace.conf", "ingest.conf", "storage.conf", "persistence.conf", "query.conf", "admin.conf", "sampling-rules.conf", "akka.conf"];

    public static string Read(string fileName)
    {
        var assembly = typeof(HoconDefaults).Assembly;
        using var stream = assembly.GetManifestResourceStream("hocon/" + fileName)
            ?? throw new InvalidOperationException($"embedded hocon/{fileName} is missing from {assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <param name="topology">HOCON derived from cluster.yml for this node: above the operator file
    /// (the deployment file owns addresses, roles and services), below <paramref name="overrides"/>.</param>
    public static Config Load(string? configFile = null, string? rulesFile = null, string? overrides = null, string? topology = null)
    {
        var config = ConfigurationFactory.Empty;
        foreach (var file in Files)
        {
            config = config.WithFallback(ConfigurationFactory.ParseString(Read(file)));
        }
        if (rulesFile is not null)
        {
            config = ParseFile(rulesFile).WithFallback(config);
        }
        if (configFile is not null)
        {
            config = ParseFile(configFile).WithFallback(config);
        }
        if (!string.IsNullOrWhiteSpace(topology))
        {
            config = ConfigurationFactory.ParseString(topology).WithFallback(config);
        }
        if (!string.IsNullOrWhiteSpace(overrides))
        {
            config = ConfigurationFactory.ParseString(overrides).WithFallback(config);
        }
        return config;
    }

    private static Config ParseFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"configuration file {path} does not exist", path);
        }
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new ConfigurationException($"{path}: {e.Message}", e);
        }
    }
}
