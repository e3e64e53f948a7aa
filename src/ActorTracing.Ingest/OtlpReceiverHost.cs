using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ActorTracing.Ingest;

/// <summary>
/// Hosting of the OTLP receivers: <see cref="AddOtlpReceivers"/> registers them and adds their
/// Kestrel listeners; <see cref="MapOtlpReceivers"/> maps the routes. The host must register an
/// <see cref="Protocol.Ingress.ITraceIngress"/>. The routes are mapped on every Kestrel listener of
/// the app (ASP.NET routing cannot tell listeners apart), so a host serving other endpoints too
/// will also answer OTLP there.
/// </summary>
public static class OtlpReceiverHost
{
    public static IServiceCollection AddOtlpReceivers(this IServiceCollection services, IngestSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();

        services.AddSingleton(settings);
        services.TryAddSingleton<IngestCounters>();
        services.TryAddSingleton<OtlpReceiverEndpoints>();
        services.TryAddSingleton<OtlpExportProcessor>();
        services.TryAddSingleton<OtlpHttpReceiver>();
        services.TryAddSingleton<OtlpGrpcTraceService>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, ConfigureKestrel>();
        // Registered after the host's own transport, so Kestrel binds through it: inline
        // scheduling for the OTLP/HTTP listener only (ingest.conf: inline-io).
        services.AddSingleton<IConnectionListenerFactory, InlineIoListenerFactory>();

        // Options for our service only: a host with other gRPC services keeps its own limits.
        services.AddGrpc();
        services.AddSingleton<IConfigureOptions<GrpcServiceOptions<OtlpGrpcTraceService>>, ConfigureGrpc>();
        return services;
    }

    public static IEndpointRouteBuilder MapOtlpReceivers(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var settings = endpoints.ServiceProvider.GetRequiredService<IngestSettings>();
        if (settings.EnableHttp)
        {
            var receiver = endpoints.ServiceProvider.GetRequiredService<OtlpHttpReceiver>();
            endpoints.MapPost(OtlpHttpReceiver.Path, new RequestDelegate(receiver.HandleAsync));
            // Explicit, because routing's own 405 gives way to a 404 once the gRPC catch-all
            // routes for unknown services are mapped beside this one.
            endpoints.MapMethods(OtlpHttpReceiver.Path, OtlpHttpReceiver.OtherMethods, new RequestDelegate(OtlpHttpReceiver.MethodNotAllowedAsync));
        }
        if (settings.EnableGrpc)
        {
            endpoints.MapGrpcService<OtlpGrpcTraceService>();
        }
        return endpoints;
    }

    private sealed class ConfigureKestrel(IngestSettings settings, OtlpReceiverEndpoints receiverEndpoints) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions options) => receiverEndpoints.Listen(options, settings);
    }

    private sealed class ConfigureGrpc(IngestSettings settings, IngestCounters counters) : IConfigureOptions<GrpcServiceOptions<OtlpGrpcTraceService>>
    {
        public void Configure(GrpcServiceOptions<OtlpGrpcTraceService> options)
        {
            options.MaxReceiveMessageSize = settings.MaxRequestBytes;
            options.EnableDetailedErrors = false;
            // A new list: the framework copies the global options' list by reference, and the
            // stock gzip (unbounded inflation) must not stay reachable for our service.
            options.CompressionProviders = [new BoundedGzipCompressionProvider(settings.MaxRequestBytes, counters)];
        }
    }
}
