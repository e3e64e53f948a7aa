using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Admin;

/// <summary>
/// The admin endpoint: a Kestrel server of its own (not a route on the OTLP ports, so it can
/// bind elsewhere, be firewalled apart and stay up while ingest is throttling). Commands are
/// HTTP+JSON under /v1, Prometheus text under /metrics. When a token is configured every request
/// must carry it, /metrics included; <see cref="AdminSettings.Validate"/> already refused a
/// non-loopback binding without one.
/// </summary>
public sealed class AdminEndpoint : IAsyncDisposable
{
    /// <summary>The answer to a missing or wrong token: the same whatever was presented, which is never echoed.</summary>
    public const string UnauthorizedMessage = "unauthorized: this endpoint requires the admin bearer token (--token or $ACTORTRACING_ADMIN_TOKEN)";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;

    private AdminEndpoint(WebApplication app, Uri uri)
    {
        _app = app;
        Uri = uri;
    }

    /// <summary>Where a client on this machine reaches the endpoint (loopback when bound to every interface).</summary>
    public Uri Uri { get; }

    public int Port => Uri.Port;

    /// <exception cref="Akka.Configuration.ConfigurationException">The settings are invalid (e.g. no token off loopback).</exception>
    public static async Task<AdminEndpoint> StartAsync(AdminSettings settings, AdminSources sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(sources);
        settings.Validate();

        var builder = SlimWebHost.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (settings.BindAddress.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                k.Listen(IPAddress.Loopback, settings.Port);
            }
            else if (settings.BindAddress == "*")
            {
                k.ListenAnyIP(settings.Port);
            }
            else
            {
                k.Listen(IPAddress.Parse(settings.BindAddress), settings.Port);
            }
            k.AddServerHeader = false;
        });

        var app = builder.Build();
        Map(app, settings, sources);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A taken port must not leave a half-built host (and its threads) behind.
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Kestrel reports what it bound ("http://127.0.0.1:41234", "http://[::]:9110"): the port is
        // the part that matters when 0 was configured. Off loopback, this machine's clients still
        // reach the endpoint on loopback.
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address for the admin endpoint");
        var port = int.Parse(bound[(bound.LastIndexOf(':') + 1)..].TrimEnd('/'), CultureInfo.InvariantCulture);
        var host = settings.IsLoopback && IPAddress.TryParse(settings.BindAddress, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + settings.BindAddress + "]"
            : "127.0.0.1";
        return new AdminEndpoint(app, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}/")));
    }

    public async Task StopAsync(CancellationToken cancellationToken = default) => await _app.StopAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void Map(WebApplication app, AdminSettings settings, AdminSources sources)
    {
        var system = sources.System;
        var cluster = new ClusterCommands(system);
        var sharding = new ShardingQueries(system, settings.AskTimeout);
        var hierarchy = new ActorHierarchy(system, settings.MaxChildren);
        var traces = new TraceLookup(system, sources.Registry, sources.Decisions, settings.AskTimeout);
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
        var stats = new NodeStats(self, sources.Gauges, sources.Storage, settings.AskTimeout);
        var metrics = new MetricsExposition(sources);

        if (settings.Token is { } token)
        {
            var bearer = new BearerToken(token);
            app.Use(async (context, next) =>
            {
                if (!bearer.Matches(context.Request.Headers.Authorization.ToString()))
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await Write(context, StatusCodes.Status401Unauthorized, new AdminResponses.Error(UnauthorizedMessage)).ConfigureAwait(false);
                    return;
                }
                await next(context).ConfigureAwait(false);
            });
        }

        app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = PrometheusTextWriter.ContentType;
            await context.Response.WriteAsync(metrics.Render(), context.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/v1/cluster", c => Answer(c, () => cluster.Show()));
        app.MapPost("/v1/cluster/join", c => Answer(c, () => cluster.Join(c.Request.Query["address"])));
        app.MapPost("/v1/cluster/leave", c => Answer(c, () => cluster.Leave(c.Request.Query["address"])));
        app.MapPost("/v1/cluster/down", c => Answer(c, () => cluster.Down(c.Request.Query["address"])));
        app.MapPost("/v1/cluster/down-unreachable", c => Answer(c, () => cluster.DownUnreachable()));
        app.MapGet("/v1/sharding/regions", c => Answer(c, () => sharding.List()));
        app.MapGet("/v1/sharding/region-stats", c => Answer(c, async ct => await sharding.RegionStatsAsync(c.Request.Query["type"], ct).ConfigureAwait(false)));
        app.MapGet("/v1/sharding/shard-stats", c => Answer(c, async ct => await sharding.ShardStatsAsync(c.Request.Query["type"], Timeout(c.Request.Query["timeout"]), ct).ConfigureAwait(false)));
        app.MapGet("/v1/actors/hierarchy", c => Answer(c, () => hierarchy.Show(c.Request.Query["path"], Depth(c.Request.Query["depth"]))));
        app.MapGet("/v1/traces/{traceId}", c => Answer(c, async ct => await traces.ShowAsync(c.Request.RouteValues["traceId"] as string, ct).ConfigureAwait(false)));
        app.MapGet("/v1/sampling/stats", c => Answer(c, () => stats.Sampling()));
        app.MapGet("/v1/storage/stats", c => Answer(c, async ct => await stats.StorageAsync(ct).ConfigureAwait(false)));
        app.MapFallback(c => Write(c, StatusCodes.Status404NotFound, new AdminResponses.Error($"no admin command at {c.Request.Method} {c.Request.Path}")));
    }

    private static Task Answer(HttpContext context, Func<object> command) => Answer(context, _ => Task.FromResult(command()));

    private static async Task Answer(HttpContext context, Func<CancellationToken, Task<object>> command)
    {
        object body;
        int status;
        try
        {
            body = await command(context.RequestAborted).ConfigureAwait(false);
            status = StatusCodes.Status200OK;
        }
        catch (AdminRequestException e)
        {
            body = new AdminResponses.Error(e.Message);
            status = e.StatusCode;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug or an Akka failure: the operator gets its message, the log gets the trace.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<AdminEndpoint>()
                .LogError(e, "Admin command {Method} {Path} failed", context.Request.Method, context.Request.Path);
            body = new AdminResponses.Error($"the command failed on this node: {e.GetType().Name}: {e.Message}");
            status = StatusCodes.Status500InternalServerError;
        }
        await Write(context, status, body).ConfigureAwait(false);
    }

    private static Task Write(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, body.GetType(), Json, context.RequestAborted);
    }

    private static TimeSpan? Timeout(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 300
            ? TimeSpan.FromSeconds(seconds)
            : throw AdminRequestException.BadRequest($"timeout must be seconds in (0, 300], not '{value}'");
    }

    private static int? Depth(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var depth)
            ? depth
            : throw AdminRequestException.BadRequest($"depth must be a whole number, not '{value}'");
    }
}
