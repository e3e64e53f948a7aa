using System.Globalization;
using System.Text;

namespace ActorTracing.Node.Topology;

/// <summary>
/// The deployment described by <c>cluster.yml</c>: every node of every region, the seed nodes and
/// the shared services. <see cref="ToHocon"/> turns one node of it into the HOCON overrides that
/// node starts with, so `up`, `node --cluster` and the docker files all derive from one source.
/// </summary>
public sealed record ClusterTopology(string Name, IReadOnlyList<string> SeedNodes, IReadOnlyList<TopologyNode> Nodes, TopologyServices Services)
{
    public const string IngestRole = "ingest";
    public const string ProcessRole = "process";
    public const string QueryRole = "query";

    public static readonly IReadOnlyList<string> KnownRoles = [IngestRole, ProcessRole, QueryRole];

    public IReadOnlyList<string> Regions => Nodes.Select(n => n.Region).Distinct().ToArray();

    public TopologyNode Node(string name) =>
        Nodes.FirstOrDefault(n => n.Name == name)
        ?? throw new TopologyException($"no node named '{name}' in the cluster file; nodes: {string.Join(", ", Nodes.Select(n => n.Name))}");

    public string AkkaAddress(TopologyNode node) => $"akka.tcp://{Name}@{node.Host}:{node.AkkaPort}";

    /// <summary>
    /// HOCON overrides for one node. Storage: ClickHouse shards when listed, else the node's own
    /// embedded engine under <paramref name="dataRoot"/>/&lt;node&gt; (chDB allows one data
    /// directory per process, and two local processes must not share one). services.kafka turns
    /// Kafka ingest on for ingest nodes; without it the HOCON's own choice stands.
    /// </summary>
    public string ToHocon(string nodeName, string dataRoot = ".data/cluster")
    {
        var node = Node(nodeName);
        var sb = new StringBuilder();
        sb.AppendLine("actortracing.node {");
        sb.AppendLine($"  system-name = {Quote(Name)}");
        sb.AppendLine($"  region = {Quote(node.Region)}");
        sb.AppendLine($"  hostname = {Quote(node.Host)}");
        sb.AppendLine($"  port = {node.AkkaPort}");
        sb.AppendLine($"  roles = [{string.Join(", ", node.Roles.Select(Quote))}]");
        sb.AppendLine($"  seed-nodes = [{string.Join(", ", SeedNodes.Select(s => Quote(AkkaAddress(Node(s)))))}]");
        sb.AppendLine("}");
        sb.AppendLine("actortracing.ingest {");
        sb.AppendLine($"  grpc {{ enabled = {Bool(node.HasRole(IngestRole))}, endpoint = {Quote($"{node.Host}:{Format(node.OtlpGrpcPort)}")} }}");
        sb.AppendLine($"  http {{ enabled = {Bool(node.HasRole(IngestRole))}, endpoint = {Quote($"{node.Host}:{Format(node.OtlpHttpPort)}")} }}");
        if (Services.Kafka is not null && node.HasRole(IngestRole))
        {
            // Every ingest node of the cluster joins one consumer group (the HOCON default), so
            // each partition is read by one node and no record twice; spans without cloud.region
            // get the region of the node that read them. Topics and the rest stay in HOCON.
            sb.AppendLine($"  kafka {{ enabled = on, bootstrap-servers = {Quote(Services.Kafka)} }}");
        }
        // Each node its own write-ahead log, kept beside its data so a restarted node finds it.
        sb.AppendLine($"  wal {{ directory = {Quote(Path.Combine(dataRoot, node.Name, "ingest-wal"))} }}");
        sb.AppendLine("}");
        // TraceActors live only on process nodes; ingest-only nodes reach them through a proxy.
        sb.AppendLine($"actortracing.trace.role = {Quote(ProcessRole)}");
        sb.AppendLine("actortracing.storage {");
        sb.AppendLine($"  data-directory = {Quote(Path.Combine(dataRoot, node.Name, "chdb"))}");
        if (Services.ClickHouseShards.Count > 0)
        {
            sb.AppendLine("  engine = \"servers\"");
            sb.AppendLine($"  shards = [{string.Join(", ", Services.ClickHouseShards.Select(Quote))}]");
        }
        sb.AppendLine("}");
        sb.AppendLine("actortracing.persistence {");
        sb.AppendLine($"  enabled = {Bool(Services.Redis is not null)}");
        if (Services.Redis is not null)
        {
            sb.AppendLine($"  redis = {Quote(Services.Redis)}");
        }
        sb.AppendLine("}");
        sb.AppendLine("actortracing.query {");
        sb.AppendLine($"  enabled = {Bool(node.HasRole(QueryRole))}");
        sb.AppendLine($"  endpoint = {Quote($"{node.Host}:{Format(node.QueryPort)}")}");
        sb.AppendLine("}");
        sb.AppendLine("actortracing.admin {");
        sb.AppendLine($"  bind-address = {Quote(node.Host)}");
        sb.AppendLine($"  port = {node.AdminPort}");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static string Bool(bool value) => value ? "on" : "off";

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    internal static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
