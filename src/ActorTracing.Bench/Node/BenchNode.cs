using System.Globalization;
using ActorTracing.Ingest;
using ActorTracing.Node.Hosting;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTracing.Bench;

/// <summary>
/// A node started in this process as `demo` does (NodeHost with ephemeral ports and its own
/// database on the embedded engine), so its counters are read directly and its rows counted with
/// SQL (<see cref="EmbeddedTarget"/>). `bench-node` runs one (<see cref="BenchNodeHost"/>); the
/// cluster specs run two in the test process.
/// </summary>
public sealed class BenchNode : IAsyncDisposable
{
    private readonly NodeHost _host;
    private bool _disposed;

    private BenchNode(NodeHost host, string database, string region)
    {
        _host = host;
        Database = database;
        Region = region;
        var endpoints = host.Services.GetRequiredService<OtlpReceiverEndpoints>();
        HttpEndpoint = endpoints.HttpUri ?? throw new InvalidOperationException("the node has no OTLP/HTTP listener");
        GrpcEndpoint = endpoints.GrpcUri ?? throw new InvalidOperationException("the node has no OTLP/gRPC listener");
        SendDelay = host.Config.GetTimeSpan("actortracing.trace.send-delay", TimeSpan.FromSeconds(2));
        TraceTimeout = host.Config.GetTimeSpan("actortracing.trace.trace-timeout", TimeSpan.FromSeconds(30));
    }

    public string Database { get; }

    public string Region { get; }

    /// <summary>This node's cluster address, for a second node to join it (akka.tcp://system@host:port).</summary>
    public string ClusterAddress => Akka.Cluster.Cluster.Get(_host.System).SelfAddress.ToString();

    public long RowsWritten => _host.StorageHolder.Writer?.RowsWritten ?? 0;

    public long PendingRows => _host.StorageHolder.Writer?.PendingRows ?? 0;

    public Uri HttpEndpoint { get; }

    public Uri GrpcEndpoint { get; }

    public TimeSpan SendDelay { get; }

    public TimeSpan TraceTimeout { get; }

    public PipelineGauges Gauges => _host.Gauges;

    /// <summary>The node's receiver counters (request durations among them).</summary>
    public IngestCounters Ingest => _host.Services.GetRequiredService<IngestCounters>();

    public EmbeddedSpanStore Store => _host.Store;

    public string TracesTable => Store.Schema.QualifiedTracesTable;

    /// <param name="extraHocon">Overrides for this node only (e.g. a long send-delay to hold traces open).</param>
    public static async Task<BenchNode> StartAsync(string dataDirectory, string database, string region, string? extraHocon = null, CancellationToken cancellationToken = default)
    {
        // The bench's data is fresh, so opening it takes seconds; 45 s fails a stuck open with the
        // engine's own account (the statement it is stuck in) before the bench's 2 min and a
        // spec's 90 s bounds on the ready line give up with only the end of the output.
        var host = await NodeHost.StartAsync(
            new NodeOptions
            {
                Overrides = $$"""
                    akka.loglevel = WARNING
                    actortracing.node.port = 0
                    actortracing.node.region = {{region}}
                    actortracing.ingest.grpc.endpoint = "127.0.0.1:0"
                    actortracing.ingest.http.endpoint = "127.0.0.1:0"
                    actortracing.query.endpoint = "127.0.0.1:0"
                    actortracing.admin.port = 0
                    actortracing.storage.data-directory = "{{dataDirectory.Replace("\\", "/", StringComparison.Ordinal)}}"
                    actortracing.storage.database = {{database}}
                    actortracing.storage.embedded-open-timeout = 45s
                    actortracing.ingest.wal.directory = "{{WalDirectory(dataDirectory, database, region).Replace("\\", "/", StringComparison.Ordinal)}}"
                    {{extraHocon}}
                    """,
            },
            cancellationToken).ConfigureAwait(false);
        return new BenchNode(host, database, region);
    }

    /// <summary>
    /// Where a bench node keeps its ingest write-ahead log: beside its data, one per database and
    /// region (nodes of two regions may share a data directory and a database).
    /// </summary>
    public static string WalDirectory(string dataDirectory, string database, string region) =>
        Path.Combine(dataDirectory, $"{database}-{region}-wal");

    public Uri Endpoint(string protocol) => protocol == "grpc" ? GrpcEndpoint : HttpEndpoint;

    /// <summary>Rows in this node's spans table, counted by the engine.</summary>
    public long CountRows() => long.Parse(Store.Engine.Query($"SELECT count() FROM {TracesTable}").Trim(), CultureInfo.InvariantCulture);

    public string Query(string sql) => Store.Engine.Query(sql);

    /// <summary>Stops ingest, hands off (decides) what is buffered and flushes storage, within <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        var stop = _host.DisposeAsync().AsTask();
        await Task.WhenAny(stop, Task.Delay(timeout)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
}
