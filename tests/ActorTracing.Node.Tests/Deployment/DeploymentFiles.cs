using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ActorTracing.Node.Topology;
using YamlDotNet.RepresentationModel;

namespace ActorTracing.Node.Tests.Deployment;

/// <summary>
/// The deployment files as the specs read them: cluster.yml, docker/cluster.docker.yml and
/// docker/compose.yml (YAML merge keys applied, as Compose applies them). No Docker engine runs
/// here, so the specs check what these files say against each other and against the node's own
/// validation.
/// </summary>
internal sealed partial class DeploymentFiles
{
    public const string ContainerClusterFile = "/etc/actortracing/cluster.yml";

    private DeploymentFiles(string repoRoot)
    {
        RepoRoot = repoRoot;
        DockerDirectory = Path.Combine(repoRoot, "docker");
        Cluster = ClusterTopologyLoader.Load(Path.Combine(repoRoot, "cluster.yml"));
        DockerCluster = ClusterTopologyLoader.Load(Path.Combine(DockerDirectory, "cluster.docker.yml"));
        Compose = LoadYaml(Path.Combine(DockerDirectory, "compose.yml"));
        var services = Mapping(Compose, "services");
        Services = services.Children.ToDictionary(p => Text(p.Key), p => Merged((YamlMappingNode)p.Value), StringComparer.Ordinal);
    }

    public string RepoRoot { get; }

    public string DockerDirectory { get; }

    /// <summary>The repository's cluster.yml: names, regions, roles and ports the containers must keep.</summary>
    public ClusterTopology Cluster { get; }

    /// <summary>docker/cluster.docker.yml: what the containers actually start from.</summary>
    public ClusterTopology DockerCluster { get; }

    public YamlMappingNode Compose { get; }

    /// <summary>Compose services by name, each with its merge keys (<c>&lt;&lt;: *node</c>) applied.</summary>
    public IReadOnlyDictionary<string, YamlMappingNode> Services { get; }

    public static DeploymentFiles Load([CallerFilePath] string sourceFile = "")
    {
        // Walks up from this source file, not the binary: test binaries may be built outside the tree.
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorTracing.sln")) && Directory.Exists(Path.Combine(dir.FullName, "docker")))
            {
                return new DeploymentFiles(dir.FullName);
            }
        }
        throw new DirectoryNotFoundException("repository root (ActorTracing.sln) not found above " + sourceFile);
    }

    public static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public YamlMappingNode Service(string name) =>
        Services.TryGetValue(name, out var service)
            ? service
            : throw new Xunit.Sdk.XunitException($"compose.yml has no service '{name}'; services: {string.Join(", ", Services.Keys)}");

    public static YamlMappingNode Mapping(YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlMappingNode map
            ? map
            : throw new Xunit.Sdk.XunitException($"expected a mapping under '{key}' (line {parent.Start.Line})");

    public static YamlMappingNode? OptionalMapping(YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node as YamlMappingNode : null;

    /// <summary>A list of scalars (<c>[a, b]</c> or block form); absent = empty.</summary>
    public static IReadOnlyList<string> Strings(YamlMappingNode parent, string key)
    {
        if (!parent.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return [];
        }
        return node is YamlSequenceNode list
            ? list.Children.Select(Text).ToArray()
            : throw new Xunit.Sdk.XunitException($"expected a list under '{key}' (line {node.Start.Line})");
    }

    public static string? String(YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out var node) ? Text(node) : null;

    public static string Text(YamlNode node) =>
        node is YamlScalarNode { Value: { } value } ? value : throw new Xunit.Sdk.XunitException($"expected a scalar at line {node.Start.Line}");

    /// <summary>
    /// Short-syntax port mappings ("4317:4317", "127.0.0.1:9110:9110") as (host IP or null, host
    /// port, container port).
    /// </summary>
    public static IReadOnlyList<(string? HostIp, int HostPort, int ContainerPort)> PublishedPorts(YamlMappingNode service) =>
        Strings(service, "ports").Select(spec =>
        {
            var parts = spec.Split('/')[0].Split(':');
            return parts.Length switch
            {
                2 => ((string?)null, Port(parts[0]), Port(parts[1])),
                3 => (parts[0], Port(parts[1]), Port(parts[2])),
                _ => throw new Xunit.Sdk.XunitException($"port mapping '{spec}' is not HOST:CONTAINER or IP:HOST:CONTAINER"),
            };
        }).ToArray();

    public static IReadOnlyList<int> ExposedPorts(YamlMappingNode service) => Strings(service, "expose").Select(Port).ToArray();

    /// <summary>Bind mounts as container path → host file, resolved against docker/ as Compose does.</summary>
    public IReadOnlyDictionary<string, string> BindMounts(YamlMappingNode service) =>
        Strings(service, "volumes")
            .Select(v => v.Split(':'))
            .Where(p => p[0].StartsWith('.') || p[0].StartsWith('/'))
            .ToDictionary(p => p[1], p => Path.GetFullPath(Path.Combine(DockerDirectory, p[0])), StringComparer.Ordinal);

    /// <summary>The default of a Compose interpolation <c>${NAME:-default}</c>; fails on anything else.</summary>
    public static string InterpolationDefault(string value, string variable)
    {
        var match = InterpolationPattern().Match(value);
        Assert.True(match.Success && match.Groups["name"].Value == variable, $"expected ${{{variable}:-default}}, got '{value}'");
        return match.Groups["default"].Value;
    }

    private static int Port(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    // Compose applies YAML merge keys; YamlDotNet's node model keeps "<<" as a plain key.
    private static YamlMappingNode Merged(YamlMappingNode service)
    {
        var mergeKey = new YamlScalarNode("<<");
        if (!service.Children.TryGetValue(mergeKey, out var baseNode))
        {
            return service;
        }
        var merged = new YamlMappingNode();
        foreach (var (key, value) in ((YamlMappingNode)baseNode).Children)
        {
            merged.Children[key] = value;
        }
        foreach (var (key, value) in service.Children.Where(p => !p.Key.Equals(mergeKey)))
        {
            merged.Children[key] = value;
        }
        return merged;
    }

    [GeneratedRegex(@"^\$\{(?<name>[A-Z0-9_]+):-(?<default>[^}]+)\}$")]
    private static partial Regex InterpolationPattern();
}
