using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ActorTracing.Node.Topology;

/// <summary>
/// Reads <c>cluster.yml</c> through YamlDotNet's node model (not object binding) so every error
/// can name the line and the key path an operator has to fix: "cluster.yml:14:9:
/// regions.iad.nodes[1].akka-port: expected a port 1-65535, got 'abc'".
/// </summary>
public static partial class ClusterTopologyLoader
{
    public static ClusterTopology Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new TopologyException($"{path}: cluster file does not exist");
        }
        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    public static ClusterTopology Parse(string yaml, string sourceName = "cluster.yml")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new TopologyException($"{sourceName}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new TopologyException($"{sourceName}: expected a mapping with cluster, regions and services");
        }
        var ctx = new Context(sourceName);
        ctx.RejectUnknown(root, "", "cluster", "regions", "services");

        var cluster = ctx.Mapping(root, "cluster", "cluster");
        ctx.RejectUnknown(cluster, "cluster", "name", "seed-nodes");
        var name = ctx.String(cluster, "name", "cluster.name", NamePattern(), "letters, digits, '-' or '_'");
        var seedsNode = ctx.Sequence(cluster, "seed-nodes", "cluster.seed-nodes");

        var regions = ctx.Mapping(root, "regions", "regions");
        var nodes = new List<TopologyNode>();
        var seenNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenEndpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (regionKey, regionValue) in regions.Children)
        {
            var region = ((YamlScalarNode)regionKey).Value ?? string.Empty;
            var regionPath = "regions." + region;
            if (!NamePattern().IsMatch(region))
            {
                throw ctx.Error(regionKey, regionPath, $"region names are letters, digits, '-' or '_', got '{region}'");
            }
            if (regionValue is not YamlMappingNode regionMap)
            {
                throw ctx.Error(regionValue, regionPath, "expected a mapping with 'nodes'");
            }
            ctx.RejectUnknown(regionMap, regionPath, "nodes");
            var list = ctx.Sequence(regionMap, "nodes", regionPath + ".nodes");
            if (list.Children.Count == 0)
            {
                throw ctx.Error(list, regionPath + ".nodes", "a region needs at least one node");
            }
            for (var i = 0; i < list.Children.Count; i++)
            {
                var path = $"{regionPath}.nodes[{i}]";
                if (list.Children[i] is not YamlMappingNode n)
                {
                    throw ctx.Error(list.Children[i], path, "expected a mapping (name, host, ports, roles)");
                }
                ctx.RejectUnknown(n, path, "name", "host", "akka-port", "otlp-grpc-port", "otlp-http-port", "query-port", "admin-port", "roles");
                var nodeName = ctx.String(n, "name", path + ".name", NamePattern(), "letters, digits, '-' or '_'");
                if (!seenNames.TryAdd(nodeName, path))
                {
                    throw ctx.Error(n["name"], path + ".name", $"node name '{nodeName}' is already used by {seenNames[nodeName]}");
                }
                var host = ctx.String(n, "host", path + ".host", HostPattern(), "a host name or IP address");
                var node = new TopologyNode(
                    nodeName,
                    region,
                    host,
                    ctx.Port(n, "akka-port", path, null),
                    ctx.Port(n, "otlp-grpc-port", path, 4317),
                    ctx.Port(n, "otlp-http-port", path, 4318),
                    ctx.Port(n, "query-port", path, 16686),
                    ctx.Port(n, "admin-port", path, 9110),
                    ctx.Roles(n, path + ".roles"));
                foreach (var (key, port) in new[] { ("akka-port", node.AkkaPort), ("otlp-grpc-port", node.OtlpGrpcPort), ("otlp-http-port", node.OtlpHttpPort), ("query-port", node.QueryPort), ("admin-port", node.AdminPort) })
                {
                    var endpoint = $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
                    var where = $"{path}.{key}";
                    if (!seenEndpoints.TryAdd(endpoint, where))
                    {
                        throw ctx.Error(n.Children.TryGetValue(new YamlScalarNode(key), out var at) ? at : n, where, $"{endpoint} is already used by {seenEndpoints[endpoint]}");
                    }
                }
                nodes.Add(node);
            }
        }
        if (nodes.Count == 0)
        {
            throw ctx.Error(regions, "regions", "at least one region with one node is required");
        }
        if (!nodes.Any(n => n.HasRole(ClusterTopology.ProcessRole)))
        {
            throw ctx.Error(regions, "regions", "no node has the 'process' role: nothing would host TraceActors");
        }

        var seeds = new List<string>();
        for (var i = 0; i < seedsNode.Children.Count; i++)
        {
            var seed = ctx.Scalar(seedsNode.Children[i], $"cluster.seed-nodes[{i}]");
            if (!seenNames.ContainsKey(seed))
            {
                throw ctx.Error(seedsNode.Children[i], $"cluster.seed-nodes[{i}]", $"'{seed}' is not a node of any region");
            }
            seeds.Add(seed);
        }
        if (seeds.Count == 0)
        {
            throw ctx.Error(seedsNode, "cluster.seed-nodes", "name at least one node as seed (one per region is best)");
        }

        return new ClusterTopology(name, seeds, nodes, ReadServices(ctx, root));
    }

    private static TopologyServices ReadServices(Context ctx, YamlMappingNode root)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("services"), out var value) || value is YamlScalarNode { Value: null or "" })
        {
            return new TopologyServices(null, null, []);
        }
        if (value is not YamlMappingNode services)
        {
            throw ctx.Error(value, "services", "expected a mapping (redis, kafka, clickhouse)");
        }
        ctx.RejectUnknown(services, "services", "redis", "kafka", "clickhouse");
        string? redis = null;
        if (services.Children.TryGetValue(new YamlScalarNode("redis"), out var r))
        {
            var text = ctx.Scalar(r, "services.redis");
            var match = RedisPattern().Match(text);
            if (!match.Success)
            {
                throw ctx.Error(r, "services.redis", $"expected redis://host:port or host:port, got '{text}'");
            }
            redis = match.Groups["hostport"].Value;
        }
        string? kafka = null;
        if (services.Children.TryGetValue(new YamlScalarNode("kafka"), out var k))
        {
            // It turns Kafka ingest on for every ingest node: a typo must stop the file here, not
            // surface as connection warnings on every node.
            kafka = ctx.Scalar(k, "services.kafka");
            if (!kafka.Split(',').All(broker => KafkaBrokerPattern().IsMatch(broker.Trim())))
            {
                throw ctx.Error(k, "services.kafka", $"expected host:port[,host:port...] (the brokers' bootstrap list), got '{kafka}'");
            }
        }
        var shards = new List<string>();
        if (services.Children.TryGetValue(new YamlScalarNode("clickhouse"), out var ch))
        {
            if (ch is not YamlMappingNode chMap)
            {
                throw ctx.Error(ch, "services.clickhouse", "expected a mapping with 'shards'");
            }
            ctx.RejectUnknown(chMap, "services.clickhouse", "shards");
            if (chMap.Children.TryGetValue(new YamlScalarNode("shards"), out var s))
            {
                if (s is not YamlSequenceNode list)
                {
                    throw ctx.Error(s, "services.clickhouse.shards", "expected a list of http://host:port URLs");
                }
                for (var i = 0; i < list.Children.Count; i++)
                {
                    var url = ctx.Scalar(list.Children[i], $"services.clickhouse.shards[{i}]");
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                    {
                        throw ctx.Error(list.Children[i], $"services.clickhouse.shards[{i}]", $"expected an http(s)://host:port URL, got '{url}'");
                    }
                    shards.Add(url.TrimEnd('/'));
                }
            }
        }
        return new TopologyServices(redis, kafka, shards);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9.\-:\[\]]+$")]
    private static partial Regex HostPattern();

    // The host:port shape services.redis accepts.
    [GeneratedRegex(@"^[A-Za-z0-9.\-]+:\d{1,5}$")]
    private static partial Regex KafkaBrokerPattern();

    [GeneratedRegex(@"^(redis://)?(?<hostport>[A-Za-z0-9.\-]+:\d{1,5})/?$")]
    private static partial Regex RedisPattern();

    private sealed class Context(string source)
    {
        public TopologyException Error(YamlNode node, string path, string message) =>
            new($"{source}:{node.Start.Line}:{node.Start.Column}: {(path.Length == 0 ? "" : path + ": ")}{message}");

        public void RejectUnknown(YamlMappingNode map, string path, params string[] known)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? string.Empty;
                if (!known.Contains(name, StringComparer.Ordinal))
                {
                    var full = path.Length == 0 ? name : path + "." + name;
                    throw Error(key, full, $"unknown key; expected one of {string.Join(", ", known)}");
                }
            }
        }

        public YamlMappingNode Mapping(YamlMappingNode parent, string key, string path) =>
            Get(parent, key, path) as YamlMappingNode ?? throw Error(Get(parent, key, path), path, "expected a mapping");

        public YamlSequenceNode Sequence(YamlMappingNode parent, string key, string path) =>
            Get(parent, key, path) as YamlSequenceNode ?? throw Error(Get(parent, key, path), path, "expected a list");

        public string Scalar(YamlNode node, string path) =>
            node is YamlScalarNode { Value: { Length: > 0 } v } ? v : throw Error(node, path, "expected a non-empty value");

        public string String(YamlMappingNode parent, string key, string path, Regex pattern, string expected)
        {
            var node = Get(parent, key, path);
            var value = Scalar(node, path);
            return pattern.IsMatch(value) ? value : throw Error(node, path, $"expected {expected}, got '{value}'");
        }

        public int Port(YamlMappingNode parent, string key, string nodePath, int? fallback)
        {
            var path = nodePath + "." + key;
            if (!parent.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                return fallback ?? throw Error(parent, path, "is required");
            }
            var text = Scalar(node, path);
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
                ? port
                : throw Error(node, path, $"expected a port 1-65535, got '{text}'");
        }

        public IReadOnlyList<string> Roles(YamlMappingNode parent, string path)
        {
            var list = parent.Children.TryGetValue(new YamlScalarNode("roles"), out var node)
                ? node as YamlSequenceNode ?? throw Error(node, path, "expected a list such as [ingest, process, query]")
                : null;
            if (list is null)
            {
                return ClusterTopology.KnownRoles;
            }
            var roles = new List<string>();
            for (var i = 0; i < list.Children.Count; i++)
            {
                var role = Scalar(list.Children[i], $"{path}[{i}]");
                if (!ClusterTopology.KnownRoles.Contains(role, StringComparer.Ordinal))
                {
                    throw Error(list.Children[i], $"{path}[{i}]", $"unknown role '{role}'; roles are {string.Join(", ", ClusterTopology.KnownRoles)}");
                }
                roles.Add(role);
            }
            return roles.Count > 0 ? roles : throw Error(list, path, "a node needs at least one role");
        }

        private YamlNode Get(YamlMappingNode parent, string key, string path) =>
            parent.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : throw Error(parent, path, "is required");
    }
}
