using ActorTracing.Bench;
using ActorTracing.Node.Topology;

namespace ActorTracing.Bench.Tests;

public sealed class IngestRoutingSpec
{
    // cluster.yml's shape plus a processing-only node, which must never get load.
    private const string TwoRegions = """
        cluster:
          name: edge
          seed-nodes: [iad-1, sfo-1]
        regions:
          iad:
            nodes:
              - { name: iad-1, host: 127.0.0.1, akka-port: 5053, otlp-grpc-port: 5317, otlp-http-port: 5318, query-port: 17686, admin-port: 9310, roles: [ingest, process, query] }
              - { name: iad-2, host: 127.0.0.1, akka-port: 5054, otlp-grpc-port: 5327, otlp-http-port: 5328, query-port: 17687, admin-port: 9311, roles: [ingest, process] }
              - { name: iad-3, host: 127.0.0.1, akka-port: 5056, otlp-grpc-port: 5347, otlp-http-port: 5348, query-port: 17689, admin-port: 9313, roles: [process] }
          sfo:
            nodes:
              - { name: sfo-1, host: 127.0.0.1, akka-port: 5055, otlp-grpc-port: 5337, otlp-http-port: 5338, query-port: 17688, admin-port: 9312, roles: [ingest, process, query] }
        """;

    private static IReadOnlyList<IngestPoint> Points(string yaml) => IngestRouting.FromTopology(ClusterTopologyLoader.Parse(yaml));

    private static string Routed(IReadOnlyList<LoadRoute> routes, string region) =>
        string.Join(" ", routes.Where(r => r.Region == region).Select(r => r.Endpoint.Port));

    [Fact]
    public void Only_nodes_with_the_ingest_role_receive_load()
    {
        var points = Points(TwoRegions);

        Assert.Equal(["iad-1", "iad-2", "sfo-1"], points.Select(p => p.Node));
        Assert.Equal(new Uri("http://127.0.0.1:5318/"), points[0].Endpoint("http"));
        Assert.Equal(new Uri("http://127.0.0.1:5317/"), points[0].Endpoint("grpc"));
    }

    [Fact]
    public void Each_model_region_goes_to_the_ingest_nodes_of_the_cluster_region_of_its_name()
    {
        var routes = IngestRouting.Routes(Points(TwoRegions), "http", IngestRouting.ModelRegions);

        Assert.Equal("5318 5328", Routed(routes, "iad"));
        Assert.Equal("5338", Routed(routes, "sfo"));
    }

    [Fact]
    public void Model_regions_the_cluster_lacks_are_dealt_to_its_regions_in_turn()
    {
        var routes = IngestRouting.Routes(Points(TwoRegions), "grpc", ["iad", "sfo", "fra", "sin", "gru"]);

        Assert.Equal("5317 5327", Routed(routes, "fra"));
        Assert.Equal("5337", Routed(routes, "sin"));
        Assert.Equal("5317 5327", Routed(routes, "gru"));
        Assert.Equal(
            "iad → iad-1, iad-2; sfo → sfo-1; fra → iad-1, iad-2; sin → sfo-1; gru → iad-1, iad-2",
            IngestRouting.DescribeRoutes(Points(TwoRegions), routes));
    }

    [Fact]
    public void One_ingest_node_needs_no_routes()
    {
        var one = new IngestPoint("embedded", "iad", new Uri("http://127.0.0.1:1/"), new Uri("http://127.0.0.1:2/"));

        Assert.Empty(IngestRouting.Routes([one], "http", IngestRouting.ModelRegions));
    }

    [Fact]
    public void The_probe_halves_enter_through_nodes_of_two_regions()
    {
        var route = IngestRouting.Probe(Points(TwoRegions), "http");

        Assert.Equal(("iad-1", "iad", new Uri("http://127.0.0.1:5318/")), (route.FirstNode, route.FirstRegion, route.First));
        Assert.Equal(("sfo-1", "sfo", new Uri("http://127.0.0.1:5338/")), (route.SecondNode, route.SecondRegion, route.Second));
        Assert.True(route.ViaTwoRegions);
        Assert.Equal("iad → iad-1 (http://127.0.0.1:5318/), sfo → sfo-1 (http://127.0.0.1:5338/)", route.Describe());
    }

    [Fact]
    public void A_second_endpoint_picks_that_node_and_a_node_of_the_first_region_keeps_only_a_foreign_label()
    {
        var toSfo = IngestRouting.Probe(Points(TwoRegions), "grpc", new Uri("http://127.0.0.1:5337"));
        var toIad = IngestRouting.Probe(Points(TwoRegions), "grpc", new Uri("http://127.0.0.1:5327"));

        Assert.Equal(("sfo-1", "sfo", true), (toSfo.SecondNode, toSfo.SecondRegion, toSfo.ViaTwoRegions));
        Assert.Equal(("iad-2", IngestRouting.ForeignRegionLabel, false), (toIad.SecondNode, toIad.SecondRegion, toIad.ViaTwoRegions));
    }

    [Fact]
    public void A_second_endpoint_outside_the_target_is_refused_rather_than_never_stitched()
    {
        var e = Assert.Throws<ArgumentException>(() => IngestRouting.Probe(Points(TwoRegions), "http", new Uri("http://10.0.0.9:4318/")));

        Assert.Contains("never sees the first half", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_one_region_the_second_half_takes_another_node_and_only_a_foreign_label()
    {
        var iadOnly = Points(TwoRegions).Where(p => p.Region == "iad").ToArray();

        var route = IngestRouting.Probe(iadOnly, "http");

        Assert.Equal(("iad-2", IngestRouting.ForeignRegionLabel), (route.SecondNode, route.SecondRegion));
        Assert.False(route.ViaTwoRegions);
        Assert.StartsWith("one region only", route.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_node_gets_both_halves()
    {
        var one = new IngestPoint("embedded", "iad", new Uri("http://127.0.0.1:1/"), new Uri("http://127.0.0.1:2/"));

        var route = IngestRouting.Probe([one], "http");

        Assert.Equal(route.First, route.Second);
        Assert.Equal("both halves to embedded, regions iad/fra", route.Describe());
    }
}
