using System.Net;
using System.Xml.Linq;
using ActorTracing.Node.Topology;
using YamlDotNet.RepresentationModel;

namespace ActorTracing.Node.Tests.Deployment;

/// <summary>
/// docker/compose.yml and docker/cluster.docker.yml against cluster.yml: the container deployment
/// runs the same nodes, in the same regions, with the same roles and ports, and wires them to
/// services that exist in the compose file.
/// </summary>
public sealed class ComposeSpec
{
    private readonly DeploymentFiles _files = DeploymentFiles.Load();

    public static TheoryData<string> Nodes()
    {
        var data = new TheoryData<string>();
        foreach (var node in DeploymentFiles.Load().Cluster.Nodes)
        {
            data.Add(node.Name);
        }
        return data;
    }

    [Fact]
    public void The_container_cluster_file_is_cluster_yml_with_container_addresses()
    {
        var cluster = _files.Cluster;
        var docker = _files.DockerCluster;

        Assert.Equal(cluster.Name, docker.Name);
        Assert.Equal(cluster.SeedNodes, docker.SeedNodes);
        // Everything but the host: a node renamed, moved to another region, given another role or
        // port in one file and not the other fails here.
        Assert.Equal(cluster.Nodes.Select(Describe), docker.Nodes.Select(Describe));
        Assert.Equal(cluster.Services.ClickHouseShards.Count, docker.Services.ClickHouseShards.Count);
        Assert.Equal(cluster.Services.Redis is null, docker.Services.Redis is null);
        Assert.Equal(cluster.Services.Kafka is null, docker.Services.Kafka is null);
    }

    [Fact]
    public void Every_compose_service_that_runs_a_node_runs_a_node_of_cluster_yml()
    {
        var nodeServices = _files.Services
            .Where(s => DeploymentFiles.Strings(s.Value, "command") is [ "node", .. ])
            .Select(s => s.Key)
            .Order();
        Assert.Equal(_files.Cluster.Nodes.Select(n => n.Name).Order(), nodeServices);
    }

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Every_node_of_cluster_yml_is_a_service_that_runs_that_node(string name)
    {
        var node = _files.Cluster.Node(name);
        var service = _files.Service(name);

        var command = DeploymentFiles.Strings(service, "command");
        Assert.Equal("node", command[0]);
        Assert.Equal(name, ArgumentOf(command, "--node"));
        var mounts = _files.BindMounts(service);
        var clusterFile = ArgumentOf(command, "--cluster");
        Assert.True(mounts.TryGetValue(clusterFile, out var clusterSource), $"{name}: --cluster {clusterFile} is not a mounted file");
        Assert.Equal(Path.Combine(_files.DockerDirectory, "cluster.docker.yml"), clusterSource);
        var configFile = ArgumentOf(command, "--config");
        Assert.True(mounts.TryGetValue(configFile, out var configSource), $"{name}: --config {configFile} is not a mounted file");
        Assert.True(File.Exists(configSource), $"{name}: {configSource} does not exist");

        var labels = DeploymentFiles.Mapping(service, "labels");
        Assert.Equal(node.Region, DeploymentFiles.String(labels, "actortracing.region"));

        var build = DeploymentFiles.Mapping(service, "build");
        var context = Path.GetFullPath(Path.Combine(_files.DockerDirectory, DeploymentFiles.String(build, "context")!));
        Assert.Equal(_files.RepoRoot.TrimEnd('/'), context.TrimEnd('/'));
        Assert.True(File.Exists(Path.Combine(context, DeploymentFiles.String(build, "dockerfile")!)));

        // The node's Akka address and listeners are its address on the compose network.
        var network = DeploymentFiles.Mapping(DeploymentFiles.Mapping(service, "networks"), "actortracing");
        Assert.Equal(_files.DockerCluster.Node(name).Host, DeploymentFiles.String(network, "ipv4_address"));
    }

    [Theory]
    [MemberData(nameof(Nodes))]
    public void A_node_publishes_exactly_the_ports_cluster_yml_gives_its_listeners(string name)
    {
        var node = _files.Cluster.Node(name);
        var service = _files.Service(name);
        var expected = new List<int>();
        if (node.HasRole(ClusterTopology.IngestRole))
        {
            expected.Add(node.OtlpGrpcPort);
            expected.Add(node.OtlpHttpPort);
        }
        // ToHocon turns the query listener off on nodes without the query role.
        if (node.HasRole(ClusterTopology.QueryRole))
        {
            expected.Add(node.QueryPort);
        }
        expected.Add(node.AdminPort);

        var published = DeploymentFiles.PublishedPorts(service);
        Assert.Equal(expected.Order(), published.Select(p => p.ContainerPort).Order());
        Assert.All(published, p => Assert.Equal(p.ContainerPort, p.HostPort));
        // The query API has no authentication and the admin API can down members: this host only.
        Assert.All(published.Where(p => p.ContainerPort == node.QueryPort || p.ContainerPort == node.AdminPort), p => Assert.Equal("127.0.0.1", p.HostIp));
        Assert.Equal([node.AkkaPort], DeploymentFiles.ExposedPorts(service));
    }

    [Fact]
    public void The_node_addresses_are_fixed_inside_the_subnet_and_outside_the_dynamic_range()
    {
        var ipam = DeploymentFiles.Mapping(DeploymentFiles.Mapping(DeploymentFiles.Mapping(_files.Compose, "networks"), "actortracing"), "ipam");
        var config = (YamlMappingNode)((YamlSequenceNode)ipam.Children[new YamlScalarNode("config")]).Children[0];
        var subnet = IPNetwork.Parse(DeploymentFiles.String(config, "subnet")!);
        var dynamic = IPNetwork.Parse(DeploymentFiles.String(config, "ip_range")!);
        foreach (var node in _files.DockerCluster.Nodes)
        {
            var address = IPAddress.Parse(node.Host);
            Assert.True(subnet.Contains(address), $"{node.Name}: {node.Host} is outside {subnet}");
            Assert.False(dynamic.Contains(address), $"{node.Name}: {node.Host} is inside ip_range {dynamic}, where Docker may hand it to another container first");
        }
        Assert.Equal(_files.DockerCluster.Nodes.Count, _files.DockerCluster.Nodes.Select(n => n.Host).Distinct().Count());
    }

    [Fact]
    public void The_shared_services_of_the_container_cluster_file_are_compose_services()
    {
        var services = _files.DockerCluster.Services;

        var (redisHost, redisPort) = HostPort(services.Redis!);
        Assert.StartsWith("redis:", DeploymentFiles.String(_files.Service(redisHost), "image"), StringComparison.Ordinal);
        Assert.Contains(redisPort, DeploymentFiles.ExposedPorts(_files.Service(redisHost)));

        var (kafkaHost, kafkaPort) = HostPort(services.Kafka!);
        var kafka = _files.Service(kafkaHost);
        Assert.Contains(kafkaPort, DeploymentFiles.ExposedPorts(kafka));
        Assert.Contains($"PLAINTEXT://{kafkaHost}:{kafkaPort}", DeploymentFiles.String(DeploymentFiles.Mapping(kafka, "environment"), "KAFKA_ADVERTISED_LISTENERS"), StringComparison.Ordinal);

        Assert.True(services.ClickHouseShards.Count >= 2, "two ClickHouse shards");
        foreach (var shard in services.ClickHouseShards)
        {
            var uri = new Uri(shard);
            var service = _files.Service(uri.Host);
            Assert.StartsWith("clickhouse/clickhouse-server:", DeploymentFiles.String(service, "image"), StringComparison.Ordinal);
            Assert.Contains(uri.Port, DeploymentFiles.ExposedPorts(service));
            Assert.NotNull(DeploymentFiles.OptionalMapping(service, "healthcheck"));
        }
        Assert.Equal(services.ClickHouseShards.Count, services.ClickHouseShards.Distinct().Count());

        // Nodes create the schema on every shard at start and fail without one, so they wait for them.
        foreach (var node in _files.Cluster.Nodes)
        {
            var dependsOn = DeploymentFiles.Mapping(_files.Service(node.Name), "depends_on");
            foreach (var needed in services.ClickHouseShards.Select(s => new Uri(s).Host).Append(redisHost))
            {
                var condition = DeploymentFiles.Mapping(dependsOn, needed);
                Assert.Equal("service_healthy", DeploymentFiles.String(condition, "condition"));
            }
        }
    }

    [Fact]
    public void Every_shard_compresses_with_zstd_and_admits_the_nodes_user_from_node_addresses_only()
    {
        foreach (var shard in _files.DockerCluster.Services.ClickHouseShards)
        {
            var service = _files.Service(new Uri(shard).Host);
            var mounts = _files.BindMounts(service);

            var compression = XDocument.Load(mounts["/etc/clickhouse-server/config.d/compression.xml"]);
            var @case = compression.Root!.Element("compression")!.Element("case")!;
            Assert.Equal("zstd", @case.Element("method")!.Value);
            Assert.Equal("0", @case.Element("min_part_size")!.Value);

            var users = XDocument.Load(mounts["/etc/clickhouse-server/users.d/actortracing.xml"]);
            var user = Assert.Single(users.Root!.Element("users")!.Elements());
            Assert.Equal("actortracing", user.Name.LocalName);
            Assert.Equal(
                _files.DockerCluster.Nodes.Select(n => n.Host).Order(),
                user.Element("networks")!.Elements("ip").Select(e => e.Value).Order());
        }
    }

    private static string ArgumentOf(IReadOnlyList<string> command, string option)
    {
        var i = command.ToList().IndexOf(option);
        Assert.True(i >= 0 && i + 1 < command.Count, $"command [{string.Join(" ", command)}] has no {option} VALUE");
        return command[i + 1];
    }

    private static (string Host, int Port) HostPort(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        return (hostPort[..colon], int.Parse(hostPort[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Describe(TopologyNode n) =>
        $"{n.Name} region={n.Region} akka={n.AkkaPort} grpc={n.OtlpGrpcPort} http={n.OtlpHttpPort} query={n.QueryPort} admin={n.AdminPort} roles={string.Join(",", n.Roles)}";
}
