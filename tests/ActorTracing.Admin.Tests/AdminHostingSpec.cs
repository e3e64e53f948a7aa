using System.Net;
using System.Net.Sockets;
using ActorTracing.Cli.Admin;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorTracing.Admin.Tests;

/// <summary>How a node wires the endpoint: AddAdminEndpoint reads its sources from DI.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AdminHostingSpec(TestCluster cluster)
{
    [Fact]
    public async Task AddAdminEndpoint_serves_the_sources_registered_in_the_container()
    {
        var port = FreePort();
        var gauges = new PipelineGauges();
        gauges.Accepted(7, 70);
        using var host = Host.CreateDefaultBuilder()
            .ConfigureServices(s => s
                .AddSingleton(cluster.Nodes[0].System)
                .AddSingleton(gauges)
                .AddAdminEndpoint(new AdminSettings { Port = port }))
            .Build();
        await host.StartAsync();
        try
        {
            var result = await TestCluster.RunAsync([$"127.0.0.1:{port}", "sampling", "stats", "--json"]);
            Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
            Assert.Contains("\"spansReceived\":7", result.Out, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
        }
        var stopped = await TestCluster.RunAsync([$"127.0.0.1:{port}", "sampling", "stats"]);
        Assert.Equal(AdminExitCodes.Unreachable, stopped.ExitCode);
    }

    [Fact]
    public void AddAdminEndpoint_refuses_settings_that_would_expose_the_endpoint_without_a_token()
    {
        var services = new ServiceCollection();
        var e = Assert.Throws<Akka.Configuration.ConfigurationException>(() => services.AddAdminEndpoint(new AdminSettings { BindAddress = "0.0.0.0" }));
        Assert.StartsWith("actortracing.admin.token:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_storage_source_reports_zeros_until_the_writer_exists_and_the_store_by_shard()
    {
        var source = new StorageWriterStatsSource(() => null, new FixedStore());
        var counters = Assert.Single(source.GetWriterCounters());
        Assert.Equal(new StorageShardCounters("embedded", 0, 0, 0, 0, 0, 0, 0, 0, null), counters);
        var stats = Assert.Single(await source.GetTableStatsAsync(CancellationToken.None));
        Assert.Equal("embedded", stats.Key);
        Assert.Equal(42, stats.Value.Rows);
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private sealed class FixedStore : ISpanStore
    {
        public Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken) => Task.FromResult(new StorageStats(42, 1, 1, 1));
    }
}
