using System.Globalization;
using ActorTracing.Ingest;
using ActorTracing.Node.Hosting;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTracing.Bench;

/// <summary>
/// The node under test, started in this process as `demo` does (NodeHost with ephemeral ports and
/// its own database on the embedded engine), so its counters are read directly and its rows
/// counted with SQL. The load generator is a separate process; only the node lives here.
/// </summary>
public sealed class BenchNode : IAsyncDisposable
{
    private readonly NodeHost _host;
    private bool _disposed;

    private BenchNode(NodeHost host, string database)
    {
        _host = host;
        Database = database;
        var endpoints = host.Services.GetRequiredService<OtlpReceiverEndpoints>();
        HttpEndpoint = endpoints.HttpUri ?? throw new InvalidOperationException("the node has no OTLP/HTTP listener");
        GrpcEndpoint = endpoints.GrpcUri ?? throw new InvalidOperationException("the node has no OTLP/gRPC listener");
        SendDelay = host.Config.GetTimeSpan("actortracing.trace.send-delay", TimeSpan.FromSeconds(2));
        TraceTimeout = host.Config.GetTimeSpan("actortracing.trace.trace-timeout", TimeSpan.FromSeconds(30));
    }

    public string Database { get; }

    public Uri HttpEndpoint { get; }

    public Uri GrpcEndpoint { get; }

    public TimeSpan SendDelay { get; }

    public TimeSpan TraceTimeout { get; }

    public PipelineGauges Gauges => _host.Gauges;

    public ShardedStorageWriter Writer => _host.StorageHolder.Writer ?? throw new InvalidOperationException("storage writer not started");

    public EmbeddedSpanStore Store => _host.Store;

    public string TracesTable => Store.Schema.QualifiedTracesTable;

    /// <param name="extraHocon">Overrides for this node only (e.g. a long send-delay to hold traces open).</param>
    public static async Task<BenchNode> StartAsync(string dataDirectory, string database, string region, string? extraHocon = null, CancellationToken cancellationToken = default)
    {
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
                    {{extraHocon}}
                    """,
            },
            cancellationToken).ConfigureAwait(false);
        return new BenchNode(host, database);
    }

    public Uri Endpoint(string protocol) => protocol == "grpc" ? GrpcEndpoint : HttpEndpoint;

    public NodeSample Sample(double seconds, string phase)
    {
        var g = Gauges;
        var writer = _host.StorageHolder.Writer;
        var proc = ProcReader.Read(Environment.ProcessId);
        var received = g.SpansReceived;
        var buffered = g.SpansBuffered;
        var decided = g.TracesDecided;
        return new NodeSample(
            Math.Round(seconds, 3),
            phase,
            received,
            buffered,
            g.BytesBuffered,
            g.TracesBuffered,
            decided,
            received - buffered,
            g.SpansKept,
            writer?.RowsWritten ?? 0,
            writer?.PendingRows ?? 0,
            g.MeanDecisionLatency.TotalMilliseconds * decided,
            proc.RssBytes,
            GC.GetTotalMemory(false),
            proc.CpuSeconds,
            proc.MachineBusyJiffies,
            proc.MachineTotalJiffies,
            GC.GetTotalPauseDuration().TotalMilliseconds);
    }

    /// <summary>Rows in this node's spans table, counted by the engine.</summary>
    public long CountRows() => long.Parse(Store.Engine.Query($"SELECT count() FROM {TracesTable}").Trim(), CultureInfo.InvariantCulture);

    public string Query(string sql) => Store.Engine.Query(sql);

    /// <summary>
    /// Waits until every accepted span is decided and every kept span written, or the timeout.
    /// True when drained. Polls: the node has no "idle" signal, and a bench poll every 100 ms is noise.
    /// </summary>
    public async Task<bool> WaitDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Gauges.SpansBuffered == 0 && Writer.PendingRows == 0)
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

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
