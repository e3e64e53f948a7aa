using ActorTracing.Cli.Admin;
using ActorTracing.Protocol.Pipeline;

namespace ActorTracing.Admin.Tests;

/// <summary>`sampling stats` and `storage stats` over known counters: golden tables.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NodeStatsSpec(TestCluster cluster) : IAsyncLifetime
{
    private readonly PipelineGauges _gauges = new();
    private AdminEndpoint _endpoint = null!;
    private AdminEndpoint _failingStore = null!;

    public async Task InitializeAsync()
    {
        _gauges.Accepted(12, 1_200);
        for (var i = 0; i < 4; i++)
        {
            _gauges.TraceOpened();
        }
        _gauges.Decided(true, "rules/errors", "got_root", 4, TimeSpan.FromSeconds(2));
        _gauges.Decided(false, "probabilistic/api", "got_root", 3, TimeSpan.FromSeconds(2));
        _gauges.Decided(true, "probabilistic/api", "expired/no_root", 2, TimeSpan.FromSeconds(5));
        _gauges.Released(9, 900);
        _gauges.Late(2, keep: true);
        var system = cluster.Nodes[0].System;
        _endpoint = await AdminEndpoint.StartAsync(new AdminSettings { Port = 0 }, new AdminSources(system) { Gauges = _gauges, Storage = new FakeStorageStats() });
        _failingStore = await AdminEndpoint.StartAsync(new AdminSettings { Port = 0 }, new AdminSources(system) { Storage = new FakeStorageStats(storeFails: true) });
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        await _failingStore.DisposeAsync();
    }

    [Fact]
    public async Task Sampling_stats_show_decisions_by_reason_with_effective_rates()
    {
        var result = await TestCluster.RunAsync([$"127.0.0.1:{_endpoint.Port}", "sampling", "stats"]);
        Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
        Assert.Equal(
            """
            node                   akka.tcp://actortracing@127.0.0.1:NODE1
            spans received         12
            buffered               1 traces, 3 spans, 300 B
            traces decided         3
            traces kept            2 (66.67%)
            spans kept             8
            late spans             2
            mean decision latency  3s

            REASON             KEPT  DROPPED  EFFECTIVE RATE
            probabilistic/api     1        1             50%
            rules/errors          1        0            100%

            COMPLETED BY     TRACES
            expired/no_root       1
            got_root              2

            """,
            cluster.Normalize(result.Out));
    }

    [Fact]
    public async Task Storage_stats_show_rows_size_compression_and_the_writer()
    {
        var result = await TestCluster.RunAsync([$"127.0.0.1:{_endpoint.Port}", "storage", "stats"]);
        Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
        Assert.Equal(
            """
            storage of akka.tcp://actortracing@127.0.0.1:NODE1
            SHARD       ROWS  ON DISK  COMPRESSION  PENDING  BATCHES  MEAN BATCH  MEAN WRITE  LAST WRITE  RETRIES  FAILURES
            embedded  20,000  3.1 MiB         4.5x      120        4        5000        50ms        40ms        1         1
            embedded: last write error: connection reset

            """,
            cluster.Normalize(result.Out));
    }

    [Fact]
    public async Task Storage_stats_still_show_the_writer_when_the_store_does_not_answer()
    {
        var result = await TestCluster.RunAsync([$"127.0.0.1:{_failingStore.Port}", "storage", "stats"]);
        Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
        Assert.Matches(@"\nembedded +\? +\? +\? +120 +4 ", result.Out);
        Assert.Contains("embedded: table statistics unavailable: engine is closed", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_without_a_source_says_so()
    {
        var result = await TestCluster.RunAsync([$"127.0.0.1:{_failingStore.Port}", "sampling", "stats"]);
        Assert.Equal(AdminExitCodes.Failed, result.ExitCode);
        Assert.Contains("this node runs no trace actors", result.Error, StringComparison.Ordinal);
    }
}
