using System.Text.Json;
using System.Text.RegularExpressions;
using ActorTracing.Node.Topology;
using YamlDotNet.RepresentationModel;

namespace ActorTracing.Node.Tests.Deployment;

/// <summary>
/// Prometheus scrapes every node's admin /metrics with the token the nodes require; Grafana's
/// data sources reach Prometheus and a query node; the dashboard only charts metrics the nodes
/// expose (names read from MetricsExposition.cs, so a renamed metric fails here, not on a blank panel).
/// </summary>
public sealed partial class ObservabilitySpec
{
    private readonly DeploymentFiles _files = DeploymentFiles.Load();

    [Fact]
    public void Prometheus_scrapes_every_nodes_admin_port_with_the_nodes_token()
    {
        var prometheus = _files.Service("prometheus");
        var config = DeploymentFiles.LoadYaml(_files.BindMounts(prometheus)["/etc/prometheus/prometheus.yml"]);
        var job = ((YamlSequenceNode)config.Children[new YamlScalarNode("scrape_configs")]).Children
            .Cast<YamlMappingNode>()
            .Single(j => DeploymentFiles.String(j, "job_name") == "actortracing");
        Assert.Equal("/metrics", DeploymentFiles.String(job, "metrics_path"));

        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in ((YamlSequenceNode)job.Children[new YamlScalarNode("static_configs")]).Children.Cast<YamlMappingNode>())
        {
            var region = DeploymentFiles.String(DeploymentFiles.Mapping(group, "labels"), "region")!;
            foreach (var target in DeploymentFiles.Strings(group, "targets"))
            {
                targets.Add(target, region);
            }
        }
        Assert.Equal(
            _files.Cluster.Nodes.Select(n => $"{n.Name}:{n.AdminPort} {n.Region}").Order(),
            targets.Select(t => $"{t.Key} {t.Value}").Order());

        // The token file Prometheus sends is the one its entrypoint writes, from the same variable
        // (and the same default) the nodes read their token from.
        var authorization = DeploymentFiles.Mapping(job, "authorization");
        Assert.Equal("Bearer", DeploymentFiles.String(authorization, "type"));
        var tokenFile = DeploymentFiles.String(authorization, "credentials_file")!;
        var script = string.Join(" ", DeploymentFiles.Strings(prometheus, "command"));
        Assert.Contains($"\"$$ACTORTRACING_ADMIN_TOKEN\" > {tokenFile}", script, StringComparison.Ordinal);
        Assert.Contains(Path.GetDirectoryName(tokenFile)!, DeploymentFiles.Strings(prometheus, "tmpfs"));
        var prometheusToken = DeploymentFiles.String(DeploymentFiles.Mapping(prometheus, "environment"), "ACTORTRACING_ADMIN_TOKEN")!;
        foreach (var node in _files.Cluster.Nodes)
        {
            var nodeToken = DeploymentFiles.String(DeploymentFiles.Mapping(_files.Service(node.Name), "environment"), "ACTORTRACING_ADMIN_TOKEN")!;
            Assert.Equal(prometheusToken, nodeToken);
        }
    }

    [Fact]
    public void Grafana_reads_prometheus_and_the_jaeger_api_of_a_query_node()
    {
        var grafana = _files.Service("grafana");
        var provisioning = _files.BindMounts(grafana)["/etc/grafana/provisioning"];
        var datasources = ((YamlSequenceNode)DeploymentFiles.LoadYaml(Path.Combine(provisioning, "datasources", "actortracing.yml"))
            .Children[new YamlScalarNode("datasources")]).Children.Cast<YamlMappingNode>().ToArray();

        var prometheus = datasources.Single(d => DeploymentFiles.String(d, "type") == "prometheus");
        Assert.Equal("http://prometheus:9090", DeploymentFiles.String(prometheus, "url"));
        Assert.Contains("prometheus", _files.Services.Keys);

        // No Jaeger server: the node's query API speaks Jaeger's HTTP API itself.
        var jaeger = new Uri(DeploymentFiles.String(datasources.Single(d => DeploymentFiles.String(d, "type") == "jaeger"), "url")!);
        var node = _files.Cluster.Node(jaeger.Host);
        Assert.True(node.HasRole(ClusterTopology.QueryRole), $"{node.Name} has no query role, so it serves no query API");
        Assert.Equal(node.QueryPort, jaeger.Port);

        var dashboards = DeploymentFiles.LoadYaml(Path.Combine(provisioning, "dashboards", "actortracing.yml"));
        var provider = (YamlMappingNode)((YamlSequenceNode)dashboards.Children[new YamlScalarNode("providers")]).Children[0];
        var path = DeploymentFiles.String(DeploymentFiles.Mapping(provider, "options"), "path")!;
        Assert.Equal(Path.Combine(_files.DockerDirectory, "grafana", "dashboards"), _files.BindMounts(grafana)[path]);

        // Panels name the provisioned Prometheus by uid; a uid typo leaves every panel without data.
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath()));
        var uids = Descendants(dashboard.RootElement)
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("datasource", out var ds) && ds.ValueKind == JsonValueKind.Object)
            .Select(e => e.GetProperty("datasource").GetProperty("uid").GetString() ?? "(none)")
            .Distinct()
            .ToArray();
        Assert.Equal([DeploymentFiles.String(prometheus, "uid")!], uids);
    }

    [Fact]
    public void The_dashboard_charts_only_metrics_the_nodes_expose_and_covers_each_family()
    {
        var exposed = ExposedMetricNames();
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath()));
        var queries = Descendants(dashboard.RootElement)
            .Where(e => e.ValueKind == JsonValueKind.Object)
            .SelectMany(e => new[] { "expr", "definition" }.Where(p => e.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.String).Select(p => e.GetProperty(p).GetString()!))
            .ToArray();
        Assert.NotEmpty(queries);

        var used = queries.SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(used.Where(m => !exposed.Contains(m)).Order());

        foreach (var family in new[]
        {
            "actortracing_ingest_spans_total", "actortracing_ingest_requests_total", "actortracing_ingest_rejected_requests_total",
            "actortracing_ingest_request_duration_seconds_bucket",
            "actortracing_decisions_total", "actortracing_buffered_traces", "actortracing_buffered_bytes",
            "actortracing_decision_latency_seconds_bucket", "actortracing_storage_rows_written_total",
            "actortracing_storage_pending_rows", "actortracing_storage_write_failures_total", "actortracing_cluster_members",
        })
        {
            Assert.Contains(family, used);
        }
        Assert.Contains(queries, q => q.Contains("actortracing_decisions_total", StringComparison.Ordinal) && q.Contains("by (decision, reason)", StringComparison.Ordinal));
    }

    [Fact]
    public void The_metric_name_reader_finds_histogram_series_and_nothing_invented()
    {
        var exposed = ExposedMetricNames();
        Assert.Contains("actortracing_decision_latency_seconds_bucket", exposed);
        Assert.Contains("actortracing_decision_latency_seconds_count", exposed);
        Assert.Contains("actortracing_storage_write_duration_seconds_sum", exposed);
        Assert.Contains("actortracing_cluster_members", exposed);
        Assert.DoesNotContain("actortracing_buffered_traces_bucket", exposed);
        // A histogram has no series under its bare name: a panel querying it would stay empty.
        Assert.DoesNotContain("actortracing_decision_latency_seconds", exposed);
    }

    /// <summary>
    /// Every metric name /metrics can emit, from the source of MetricsExposition: its string
    /// literals, with each family declared as histogram or summary (a const name resolved to its
    /// literal) replaced by its series (_bucket, _sum, _count; a summary has no _bucket).
    /// </summary>
    private HashSet<string> ExposedMetricNames()
    {
        var source = File.ReadAllText(Path.Combine(_files.RepoRoot, "src", "ActorTracing.Admin", "Metrics", "MetricsExposition.cs"));
        var names = Literal().Matches(source).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        var constants = Constant().Matches(source).ToDictionary(m => m.Groups["id"].Value, m => m.Groups["name"].Value, StringComparer.Ordinal);
        foreach (Match family in Family().Matches(source))
        {
            var arg = family.Groups["arg"].Value.Trim();
            var name = arg.StartsWith('"') ? arg.Trim('"') : constants[arg];
            names.Remove(name);
            foreach (var suffix in family.Groups["type"].Value == "histogram" ? new[] { "_bucket", "_sum", "_count" } : ["_sum", "_count"])
            {
                names.Add(name + suffix);
            }
        }
        Assert.True(names.Count > 10, "MetricsExposition.cs no longer looks like the metrics source this spec reads");
        return names;
    }

    private string DashboardPath() => Path.Combine(_files.DockerDirectory, "grafana", "dashboards", "actortracing.json");

    private static IEnumerable<JsonElement> Descendants(JsonElement element)
    {
        yield return element;
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => element.EnumerateArray(),
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var d in Descendants(child))
            {
                yield return d;
            }
        }
    }

    [GeneratedRegex(@"\bactortracing_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex("\"(?<name>actortracing_[a-z0-9_]+)\"")]
    private static partial Regex Literal();

    [GeneratedRegex("const string (?<id>[A-Za-z_][A-Za-z0-9_]*) = \"(?<name>actortracing_[a-z0-9_]+)\"")]
    private static partial Regex Constant();

    [GeneratedRegex("""Family\((?<arg>[^,]+),\s*"(?<type>histogram|summary)"\s*,""")]
    private static partial Regex Family();
}
