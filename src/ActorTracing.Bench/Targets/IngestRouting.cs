using ActorTracing.Node.Topology;
using ActorTracing.Workload;

namespace ActorTracing.Bench;

/// <summary>
/// Which node gets which traffic, from the target's ingest nodes: load is routed by the traffic
/// model's regions (iad, sfo, fra, sin, gru) to the ingest nodes of the same cluster region, so
/// a cross-region trace enters through two regions as it would in production; and the
/// stitching probe's halves go to nodes of two different regions. Pure, so it is specified on
/// topologies alone.
/// </summary>
public static class IngestRouting
{
    /// <summary>The second half's region label when the target has a single region (a resource attribute only).</summary>
    public const string ForeignRegionLabel = "fra";

    /// <summary>The regions of the traffic model, which the load generator's requests carry as cloud.region.</summary>
    public static IReadOnlyList<string> ModelRegions => EdgeTrafficModel.Regions;

    /// <summary>The ingest nodes of a cluster file, in file order (regions in order, nodes in order).</summary>
    public static IReadOnlyList<IngestPoint> FromTopology(ClusterTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return [.. topology.Nodes
            .Where(n => n.HasRole(ClusterTopology.IngestRole))
            .Select(n => new IngestPoint(n.Name, n.Region, Url(n.Host, n.OtlpHttpPort), Url(n.Host, n.OtlpGrpcPort)))];
    }

    /// <summary>
    /// Routes for the load generator: each model region goes to every ingest node of the cluster
    /// region of the same name; model regions the cluster lacks are dealt to the cluster's regions
    /// in turn (file order), so every node gets traffic and each model region stays on one
    /// cluster region. Empty when there is a single ingest node: no routing needed.
    /// </summary>
    public static IReadOnlyList<LoadRoute> Routes(IReadOnlyList<IngestPoint> points, string protocol, IReadOnlyList<string> modelRegions)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(modelRegions);
        if (points.Select(p => p.Endpoint(protocol)).Distinct().Count() <= 1)
        {
            return [];
        }
        var regions = points.Select(p => p.Region).Distinct(StringComparer.Ordinal).ToArray();
        var routes = new List<LoadRoute>();
        var dealt = 0;
        foreach (var model in modelRegions)
        {
            var region = regions.Contains(model, StringComparer.Ordinal) ? model : regions[dealt++ % regions.Length];
            routes.AddRange(points.Where(p => p.Region == region).Select(p => new LoadRoute(model, p.Endpoint(protocol))));
        }
        return routes;
    }

    /// <summary>
    /// The stitching probe's route: the first half to the first ingest node, the second to the
    /// first ingest node of another region. With one region, the second half goes to another
    /// node of it if there is one (else the same node) and is only labelled
    /// <see cref="ForeignRegionLabel"/>. <paramref name="secondOverride"/> picks the second
    /// node by its endpoint; it must be one of <paramref name="points"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="secondOverride"/> is not an ingest endpoint of the target.</exception>
    public static ProbeRoute Probe(IReadOnlyList<IngestPoint> points, string protocol, Uri? secondOverride = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            throw new ArgumentException("the target has no ingest node", nameof(points));
        }
        var first = points[0];
        IngestPoint second;
        if (secondOverride is not null)
        {
            second = points.FirstOrDefault(p => SameEndpoint(p.Endpoint(protocol), secondOverride))
                ?? throw new ArgumentException(
                    $"{secondOverride} is not a {protocol} ingest endpoint of the target ({string.Join(", ", points.Select(p => p.Endpoint(protocol)))}): a node outside it never sees the first half",
                    nameof(secondOverride));
        }
        else
        {
            second = points.FirstOrDefault(p => p.Region != first.Region)
                ?? points.FirstOrDefault(p => p.Node != first.Node)
                ?? first;
        }
        var twoRegions = second.Region != first.Region;
        return new ProbeRoute(
            first.Endpoint(protocol), first.Region, first.Node,
            second.Endpoint(protocol), twoRegions ? second.Region : ForeignRegionLabel, second.Node,
            twoRegions);
    }

    /// <summary>"iad → iad-1, iad-2; sfo → sfo-1; …" (node names, not URLs), or "all to NODE" without routes.</summary>
    public static string DescribeRoutes(IReadOnlyList<IngestPoint> points, IReadOnlyList<LoadRoute> routes)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(routes);
        if (routes.Count == 0)
        {
            return points.Count == 0 ? "none" : $"all to {points[0].Node}";
        }
        string Name(Uri endpoint) => points.FirstOrDefault(p => SameEndpoint(p.Http, endpoint) || SameEndpoint(p.Grpc, endpoint))?.Node ?? endpoint.ToString();
        return string.Join("; ", routes.GroupBy(r => r.Region, StringComparer.Ordinal).Select(g => $"{g.Key} → {string.Join(", ", g.Select(r => Name(r.Endpoint)))}"));
    }

    private static Uri Url(string host, int port) => new($"http://{host}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/");

    private static bool SameEndpoint(Uri a, Uri b) =>
        string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;
}
