using System.Diagnostics;
using System.Globalization;
using System.Net;
using ActorTracing.Admin;
using ActorTracing.Node.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Bench;

/// <summary>
/// The node side of `bench`: `actortracing bench-node` runs a <see cref="BenchNode"/> in a process
/// of its own, as a deployment runs it, and answers the bench on a loopback control endpoint with
/// what only that process can read — its counters, rows counted on its embedded engine, its GC
/// pauses and its heap after a full collection. Before, the node ran inside the bench, so the
/// bench's own work (ground-truth tallies, SQL counts, charts) shared the node's heap and GC.
/// The control endpoint is idle between the bench's reads (a sample every 250 ms).
/// </summary>
public sealed class BenchNodeHost : IAsyncDisposable
{
    /// <summary>Starts the stdout line that carries <see cref="BenchNodeReady"/> (the node's own log lines may come before it).</summary>
    public const string ReadyPrefix = "bench-node ready ";

    private readonly BenchNode _node;
    private readonly EmbeddedTarget _target;
    private readonly GcPauseRecorder _gcPauses;
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopped;

    private BenchNodeHost(BenchNode node, EmbeddedTarget target, GcPauseRecorder gcPauses, WebApplication app)
    {
        _node = node;
        _target = target;
        _gcPauses = gcPauses;
        _app = app;
        Map(app);
    }

    /// <summary>What the parent is told on stdout; set once the control endpoint is bound.</summary>
    public BenchNodeReady? Ready { get; private set; }

    /// <summary>Completes when the bench asked the node to stop (POST /stop).</summary>
    public Task StopRequested => _stopRequested.Task;

    public static async Task<BenchNodeHost> StartAsync(BenchNodeSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var clock = Stopwatch.StartNew();
        // Recording from before the node starts: its first collections are part of what it costs.
        var gcPauses = new GcPauseRecorder(clock);
        BenchNode? node = null;
        WebApplication? app = null;
        try
        {
            node = await BenchNode.StartAsync(spec.DataDirectory, spec.Database, spec.Region, spec.ExtraHocon, cancellationToken).ConfigureAwait(false);
            var target = new EmbeddedTarget(node);
            var builder = SlimWebHost.CreateBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, 0);
                k.AddServerHeader = false;
                // The sampling outcome asks for every trace id of a 30 s run at once (~1M ids,
                // ~35 MB of JSON): over Kestrel's 30 MB default. Loopback, and the bench is the only client.
                k.Limits.MaxRequestBodySize = null;
            });
            app = builder.Build();
            var host = new BenchNodeHost(node, target, gcPauses, app);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel reported no bound address for the bench control endpoint");
            host.Ready = new BenchNodeReady(
                new Uri(bound.TrimEnd('/') + "/"), node.HttpEndpoint, node.GrpcEndpoint, node.SendDelay.TotalSeconds,
                node.Region, node.Database, Environment.ProcessId, clock.Elapsed.TotalSeconds, RuntimeDescription.Describe());
            return host;
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
            if (node is not null)
            {
                await node.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            gcPauses.Dispose();
            throw;
        }
    }

    /// <summary>Stops the node (hand-off decides what is buffered, storage flushes); the control endpoint stays until disposal, so /stop can answer.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        _gcPauses.Dispose();
        await _node.StopAsync(timeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/sample", async c =>
        {
            var seconds = double.Parse(c.Request.Query["seconds"].ToString(), CultureInfo.InvariantCulture);
            await Reply(c, await _target.SampleAsync(seconds, c.Request.Query["phase"].ToString(), c.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
        });
        app.MapGet("/describe", c => Reply(c, _target.Describe()));
        app.MapGet("/rows", async c => await Reply(c, await _target.CountRowsAsync(c.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false));
        app.MapPost("/stored-traces", async c =>
        {
            var ids = await c.Request.ReadFromJsonAsync<string[]>(BenchJson.Options, c.RequestAborted).ConfigureAwait(false) ?? [];
            await Reply(c, await _target.StoredTracesAsync(ids, c.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
        });
        app.MapPost("/storage", async c => await Reply(c, await _target.MeasureStorageAsync(c.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false));
        app.MapGet("/gc-pauses", c =>
        {
            var from = double.Parse(c.Request.Query["from"].ToString(), CultureInfo.InvariantCulture);
            var to = double.Parse(c.Request.Query["to"].ToString(), CultureInfo.InvariantCulture);
            return Reply(c, _gcPauses.Between(from, to));
        });
        app.MapPost("/collect", c =>
        {
            FullCollect();
            return Reply(c, GC.GetTotalMemory(forceFullCollection: true));
        });
        app.MapPost("/stop", async c =>
        {
            var timeout = TimeSpan.FromSeconds(double.Parse(c.Request.Query["timeout"].ToString(), CultureInfo.InvariantCulture));
            await StopAsync(timeout).ConfigureAwait(false);
            await Reply(c, "stopped").ConfigureAwait(false);
            _stopRequested.TrySetResult();
        });
    }

    /// <summary>Compacts every generation and the large object heap, twice around finalizers: what is left is what the node holds.</summary>
    public static void FullCollect()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static Task Reply<T>(HttpContext context, T value) => context.Response.WriteAsJsonAsync(value, BenchJson.Options, context.RequestAborted);
}
