using System.Globalization;
using ActorTracing.Bench;
using ActorTracing.Node.Topology;
using ActorTracing.Storage;

namespace ActorTracing.Bench.Tests;

/// <summary>
/// Two real nodes forming one cluster — iad and sfo, both ingest + process — writing to one real
/// ClickHouse server, seen by the bench as a <see cref="ClusterTarget"/> through their admin
/// endpoints and the server, as `bench --cluster` sees a cluster file's processes. The nodes run
/// in the test process (each its own ActorSystem, ports and admin endpoint), which is what makes
/// this cheap enough for a spec; both "pids" are therefore this process.
/// </summary>
public sealed class TwoRegionCluster : IAsyncLifetime
{
    private ClickHouseServer? _server;

    public BenchNode Iad { get; private set; } = null!;

    public BenchNode Sfo { get; private set; } = null!;

    public ClusterTarget Target { get; private set; } = null!;

    public string Database { get; } = "bench_spec_" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        _server = await ClickHouseServer.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "actortracing-bench-spec-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var (iadAdmin, sfoAdmin) = (ClickHouseServer.FreePort(), ClickHouseServer.FreePort());
        string Hocon(int adminPort, string seeds) => $$"""
            actortracing.storage.engine = servers
            actortracing.storage.shards = ["{{_server.Endpoint}}"]
            actortracing.storage.flush-interval = 50ms
            actortracing.trace.send-delay = 300ms
            actortracing.trace.trace-timeout = 10s
            actortracing.admin.port = {{adminPort}}
            actortracing.node.seed-nodes = [{{seeds}}]
            """;
        Iad = await BenchNode.StartAsync(data, Database, "iad", Hocon(iadAdmin, string.Empty));
        Sfo = await BenchNode.StartAsync(data, Database, "sfo", Hocon(sfoAdmin, $"\"{Iad.ClusterAddress}\""));
        TopologyNode Describe(BenchNode n, string name, int admin) => new(
            name, n.Region, "127.0.0.1", 0, n.GrpcEndpoint.Port, n.HttpEndpoint.Port, 0, admin, [ClusterTopology.IngestRole, ClusterTopology.ProcessRole]);
        var nodes = new[] { Describe(Iad, "iad-1", iadAdmin), Describe(Sfo, "sfo-1", sfoAdmin) };
        var topology = new ClusterTopology("actortracing", ["iad-1"], nodes, new TopologyServices(null, null, [_server.Endpoint.ToString()]));
        Target = new ClusterTarget(
            topology,
            "two-regions.yml",
            [.. nodes.Select(n => new ClusterNodeHandle(n, Environment.ProcessId))],
            new StorageSettings { Engine = StorageEngine.Servers, Shards = [_server.Endpoint], Database = Database },
            Iad.SendDelay,
            adminToken: null);
        await Target.WaitFormedAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        Target?.Dispose();
        if (Sfo is not null)
        {
            await Sfo.StopAsync(TimeSpan.FromSeconds(20));
        }
        if (Iad is not null)
        {
            await Iad.StopAsync(TimeSpan.FromSeconds(20));
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
