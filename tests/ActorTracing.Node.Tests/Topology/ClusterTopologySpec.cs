using ActorTracing.Actors.Traces;
using ActorTracing.Ingest;
using ActorTracing.Node.Configuration;
using ActorTracing.Node.Topology;

namespace ActorTracing.Node.Tests.Topology;

public sealed class ClusterTopologySpec
{
    private const string Valid = """
        cluster:
          name: edge
          seed-nodes: [iad-1, sfo-1]
        regions:
          iad:
            nodes:
              - name: iad-1
                host: 127.0.0.1
                akka-port: 5053
                otlp-grpc-port: 5317
                otlp-http-port: 5318
                query-port: 5686
                admin-port: 5110
                roles: [ingest, process, query]
              - name: iad-edge
                host: 127.0.0.1
                akka-port: 5054
                otlp-grpc-port: 5327
                otlp-http-port: 5328
                query-port: 5687
                admin-port: 5111
                roles: [ingest]
          sfo:
            nodes:
              - name: sfo-1
                host: 127.0.0.1
                akka-port: 5055
                otlp-grpc-port: 5337
                otlp-http-port: 5338
                query-port: 5688
                admin-port: 5112
                roles: [ingest, process]
        services:
          redis: redis://127.0.0.1:6390
          clickhouse:
            shards: [http://127.0.0.1:8123, http://127.0.0.1:8124/]
        """;

    [Fact]
    public void The_repositorys_cluster_file_is_valid_and_spans_two_regions()
    {
        var topology = ClusterTopologyLoader.Load(Path.Combine(RepoRoot(), "cluster.yml"));
        Assert.True(topology.Regions.Count >= 2);
        Assert.All(topology.SeedNodes, s => topology.Node(s));
        Assert.Contains(topology.Nodes, n => n.HasRole(ClusterTopology.ProcessRole));
    }

    [Fact]
    public void A_node_of_the_file_becomes_settings_its_host_validates()
    {
        var topology = ClusterTopologyLoader.Parse(Valid);

        var config = HoconDefaults.Load(topology: topology.ToHocon("iad-edge", "/tmp/at-data"));
        var node = NodeSettings.Create(config);
        var ingest = IngestSettings.Create(config);
        var trace = TraceActorSettings.Create(config);

        Assert.Equal(("edge", "iad", "127.0.0.1", 5054), (node.SystemName, node.Region, node.Hostname, node.Port));
        Assert.Equal(["ingest"], node.Roles);
        Assert.Equal(["akka.tcp://edge@127.0.0.1:5053", "akka.tcp://edge@127.0.0.1:5055"], node.SeedNodes);
        Assert.Equal("process", trace.Role);
        Assert.False(node.HasRole(trace.Role)); // so this node runs a shard region proxy
        Assert.Contains("5328", config.GetString("actortracing.ingest.http.endpoint"), StringComparison.Ordinal);
        Assert.True(config.GetBoolean("actortracing.persistence.enabled"));
        Assert.Equal("127.0.0.1:6390", config.GetString("actortracing.persistence.redis"));
        Assert.Equal(["http://127.0.0.1:8123", "http://127.0.0.1:8124"], config.GetStringList("actortracing.storage.shards"));
        Assert.Equal(Path.Combine("/tmp/at-data", "iad-edge", "chdb"), config.GetString("actortracing.storage.data-directory"));
        Assert.False(config.GetBoolean("actortracing.query.enabled"));
    }

    [Fact]
    public void A_kafka_service_turns_kafka_ingest_on_for_ingest_nodes_only()
    {
        var yaml = Valid
            .Replace("redis: redis://127.0.0.1:6390", "redis: redis://127.0.0.1:6390\n  kafka: 127.0.0.1:9092,127.0.0.1:9093", StringComparison.Ordinal)
            .Replace("roles: [ingest, process]", "roles: [process]", StringComparison.Ordinal);
        var topology = ClusterTopologyLoader.Parse(yaml);

        var edge = IngestSettings.Create(HoconDefaults.Load(topology: topology.ToHocon("iad-edge"))).Kafka;
        // A process-only node has no receivers at all (its ingest settings are not even built).
        var processOnly = HoconDefaults.Load(topology: topology.ToHocon("sfo-1")).GetBoolean("actortracing.ingest.kafka.enabled");
        var without = IngestSettings.Create(HoconDefaults.Load(topology: ClusterTopologyLoader.Parse(Valid).ToHocon("iad-edge"))).Kafka;

        Assert.True(edge.Enabled);
        Assert.Equal("127.0.0.1:9092,127.0.0.1:9093", edge.BootstrapServers);
        // One group for the whole cluster: each partition is read by exactly one ingest node.
        Assert.Equal(without.GroupId, edge.GroupId);
        Assert.False(processOnly);
        Assert.False(without.Enabled);
    }

    [Fact]
    public void Without_services_decisions_stay_in_memory_and_storage_is_each_nodes_embedded_engine()
    {
        var yaml = Valid[..Valid.IndexOf("services:", StringComparison.Ordinal)];
        var config = HoconDefaults.Load(topology: ClusterTopologyLoader.Parse(yaml).ToHocon("sfo-1"));
        Assert.False(config.GetBoolean("actortracing.persistence.enabled"));
        Assert.False(config.HasPath("actortracing.storage.shards") && config.GetStringList("actortracing.storage.shards").Count > 0);
    }

    [Theory]
    [InlineData("akka-port: 5054", "akka-port: 99999", "cluster.yml:17:", "regions.iad.nodes[1].akka-port: expected a port 1-65535, got '99999'")]
    [InlineData("akka-port: 5054", "akka-port: 5053", "cluster.yml:17:", "regions.iad.nodes[1].akka-port: 127.0.0.1:5053 is already used by regions.iad.nodes[0].akka-port")]
    [InlineData("seed-nodes: [iad-1, sfo-1]", "seed-nodes: [iad-1, lhr-1]", "cluster.yml:3:", "cluster.seed-nodes[1]: 'lhr-1' is not a node of any region")]
    [InlineData("roles: [ingest]", "roles: [ingest, storage]", "cluster.yml:22:", "regions.iad.nodes[1].roles[1]: unknown role 'storage'")]
    [InlineData("query-port: 5688", "query_port: 5688", "cluster.yml:", "regions.sfo.nodes[0].query_port: unknown key")]
    [InlineData("name: iad-edge", "name: sfo-1", "cluster.yml:", "node name 'sfo-1' is already used by regions.iad.nodes[1]")]
    [InlineData("redis: redis://127.0.0.1:6390", "redis: somewhere", "cluster.yml:", "services.redis: expected redis://host:port or host:port, got 'somewhere'")]
    [InlineData("  name: edge", "  name: edge\n  nodes: 3", "cluster.yml:", "cluster.nodes: unknown key")]
    [InlineData("redis: redis://127.0.0.1:6390", "redis: redis://127.0.0.1:6390\n  kafka: 127.0.0.1:9092,broker", "cluster.yml:", "services.kafka: expected host:port[,host:port...] (the brokers' bootstrap list), got '127.0.0.1:9092,broker'")]
    public void An_invalid_file_is_refused_with_the_line_and_the_key_to_fix(string find, string replace, string location, string message)
    {
        var yaml = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, yaml);

        var e = Assert.Throws<TopologyException>(() => ClusterTopologyLoader.Parse(yaml));

        Assert.StartsWith(location, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_where_no_node_processes_traces_is_refused()
    {
        var yaml = Valid.Replace("roles: [ingest, process, query]", "roles: [ingest, query]", StringComparison.Ordinal)
                        .Replace("roles: [ingest, process]", "roles: [ingest]", StringComparison.Ordinal);
        var e = Assert.Throws<TopologyException>(() => ClusterTopologyLoader.Parse(yaml));
        Assert.Contains("no node has the 'process' role", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_yaml_names_its_position()
    {
        var e = Assert.Throws<TopologyException>(() => ClusterTopologyLoader.Parse("cluster:\n  name: [unclosed\n"));
        Assert.StartsWith("cluster.yml:", e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", e.Message, StringComparison.Ordinal);
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        // From the source file, not the binaries: tests may build outside the repository.
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorTracing.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ActorTracing.sln not found above " + sourceFile);
    }
}
