using System.Net;
using ActorTracing.Actors.Sampling;
using ActorTracing.Actors.Traces;
using ActorTracing.Admin;
using ActorTracing.Ingest;
using ActorTracing.Node.Configuration;
using ActorTracing.Query;
using ActorTracing.Storage;
using Akka.Configuration;

namespace ActorTracing.Node.Tests.Deployment;

/// <summary>
/// Each container's configuration, layered as the node layers it (embedded defaults ← --config ←
/// the cluster file's HOCON), passes the same validation the node runs at start: a container that
/// would refuse to start fails here instead.
/// </summary>
public sealed class ContainerConfigSpec
{
    private readonly DeploymentFiles _files = DeploymentFiles.Load();

    public static TheoryData<string> Nodes() => ComposeSpec.Nodes();

    [Theory]
    [MemberData(nameof(Nodes))]
    public void A_compose_node_starts_from_valid_settings_bound_to_its_container_address(string name)
    {
        var (config, token) = Load(name);
        var self = _files.DockerCluster.Node(name);
        var address = IPAddress.Parse(self.Host);

        var node = NodeSettings.Create(config);
        Assert.Equal((self.Host, self.AkkaPort, self.Region), (node.Hostname, node.Port, node.Region));
        Assert.Equal(
            _files.DockerCluster.SeedNodes.Select(s => _files.DockerCluster.AkkaAddress(_files.DockerCluster.Node(s))),
            node.SeedNodes);

        var ingest = IngestSettings.Create(config);
        Assert.Equal(new IPEndPoint(address, self.OtlpGrpcPort), ingest.GrpcIPEndPoint);
        Assert.Equal(new IPEndPoint(address, self.OtlpHttpPort), ingest.HttpIPEndPoint);
        // On the node's data volume: a restarted container reads what the last one never saw decided.
        Assert.True(ingest.WriteAheadLog.Enabled);
        Assert.Equal($"/data/{name}/ingest-wal", ingest.WriteAheadLog.Directory);

        var query = QuerySettings.Create(config);
        Assert.Equal(self.HasRole("query"), query.Enabled);
        if (query.Enabled)
        {
            Assert.Equal(new IPEndPoint(address, self.QueryPort), query.IPEndPoint);
        }

        // Off loopback the admin endpoint needs the token compose passes in the environment.
        var admin = AdminSettings.Create(config, v => v == AdminSettings.TokenEnvironmentVariable ? token : null);
        Assert.Equal((self.Host, self.AdminPort, false), (admin.BindAddress, admin.Port, admin.IsLoopback));
        Assert.Contains(AdminSettings.TokenEnvironmentVariable, Assert.Throws<ConfigurationException>(() => AdminSettings.Create(config, _ => null)).Message, StringComparison.Ordinal);

        var storage = StorageSettings.Create(config);
        Assert.Equal(StorageEngine.Servers, storage.Engine);
        Assert.Equal(_files.DockerCluster.Services.ClickHouseShards, storage.Shards.Select(u => u.ToString().TrimEnd('/')));
        Assert.Equal("actortracing", storage.User);

        var persistence = PersistenceSettings.Create(config);
        Assert.True(persistence.Enabled);
        Assert.Equal(_files.DockerCluster.Services.Redis, persistence.Redis);

        Assert.Equal("process", TraceActorSettings.Create(config).Role);
        Assert.NotEmpty(SamplingRulesConfig.Parse(config).Rules);
    }

    [Fact]
    public void The_images_default_configuration_is_a_valid_single_node_on_the_embedded_engine()
    {
        var config = HoconDefaults.Load(configFile: Path.Combine(_files.DockerDirectory, "node.conf"));

        var node = NodeSettings.Create(config);
        Assert.Empty(node.SeedNodes);
        Assert.Equal(IPAddress.Any, IngestSettings.Create(config).GrpcIPEndPoint.Address);
        Assert.Equal(IPAddress.Any, QuerySettings.Create(config).IPEndPoint.Address);
        // No token in `docker run`: the admin endpoint must stay on loopback to start at all.
        Assert.True(AdminSettings.Create(config, _ => null).IsLoopback);
        var storage = StorageSettings.Create(config);
        Assert.Equal(StorageEngine.Embedded, storage.Engine);
        Assert.StartsWith("/data/", storage.DataDirectory, StringComparison.Ordinal);
        Assert.StartsWith("/data/", IngestSettings.Create(config).WriteAheadLog.Directory, StringComparison.Ordinal);
    }

    [Fact]
    public void No_docker_hocon_file_uses_an_optional_substitution()
    {
        // Akka's parser drops the whole enclosing object when ${?X} is unset, and it reads no
        // environment variables at all, so such a line can only ever remove configuration.
        var files = Directory.GetFiles(_files.DockerDirectory, "*.conf", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var settings = File.ReadAllLines(file).Where(l => !l.TrimStart().StartsWith('#') && !l.TrimStart().StartsWith("//", StringComparison.Ordinal));
            Assert.DoesNotContain(settings, l => l.Contains("${", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_compose_token_placeholder_passes_the_nodes_token_rules()
    {
        var (_, token) = Load(_files.Cluster.Nodes[0].Name);
        Assert.True(token.Length >= AdminSettings.MinTokenLength);
        Assert.DoesNotContain(token, char.IsWhiteSpace);
    }

    private (Config Config, string Token) Load(string name)
    {
        var service = _files.Service(name);
        var command = DeploymentFiles.Strings(service, "command").ToList();
        var mounts = _files.BindMounts(service);
        var configFile = mounts[command[command.IndexOf("--config") + 1]];
        var dataRoot = command[command.IndexOf("--data") + 1];
        var topology = _files.DockerCluster.ToHocon(name, dataRoot);
        var token = DeploymentFiles.InterpolationDefault(
            DeploymentFiles.String(DeploymentFiles.Mapping(service, "environment"), AdminSettings.TokenEnvironmentVariable)!,
            AdminSettings.TokenEnvironmentVariable);
        return (HoconDefaults.Load(configFile: configFile, topology: topology), token);
    }
}
