using ActorTracing.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ActorTracing.Query;

/// <summary>
/// Hosting of the query API and UI: <see cref="AddTraceQuery(IServiceCollection, QuerySettings)"/>
/// registers them and adds their Kestrel listener; <see cref="MapTraceQuery"/> maps the routes.
/// The host registers an <see cref="ISpanReader"/> (or passes a factory) and may register an
/// <see cref="IPipelineOverviewSource"/>; without one the overview says none is registered.
/// Routes answer only on the query listener, although ASP.NET maps them on every listener.
/// </summary>
public static class TraceQueryHost
{
    /// <summary>Registers the API and UI; the host must register an <see cref="ISpanReader"/> too.</summary>
    public static IServiceCollection AddTraceQuery(this IServiceCollection services, QuerySettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        services.AddSingleton(settings);
        if (!settings.Enabled)
        {
            return services;
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPipelineOverviewSource, EmptyPipelineOverviewSource>();
        services.TryAddSingleton<QueryEndpoints>();
        services.TryAddSingleton<TraceQueryApi>();
        services.TryAddSingleton<TraceQueryUi>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, ConfigureKestrel>();
        return services;
    }

    /// <summary>Registers the API and UI reading through the reader <paramref name="readerFactory"/> makes.</summary>
    public static IServiceCollection AddTraceQuery(this IServiceCollection services, QuerySettings settings, Func<IServiceProvider, ISpanReader> readerFactory)
    {
        ArgumentNullException.ThrowIfNull(readerFactory);
        services.AddTraceQuery(settings);
        services.AddSingleton(readerFactory);
        return services;
    }

    /// <summary>Maps /api/* and, with ui-enabled, the UI at `/`. Does nothing when the API is disabled.</summary>
    public static IEndpointRouteBuilder MapTraceQuery(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var settings = endpoints.ServiceProvider.GetRequiredService<QuerySettings>();
        if (!settings.Enabled)
        {
            return endpoints;
        }
        if (endpoints.ServiceProvider.GetService<ISpanReader>() is null)
        {
            throw new InvalidOperationException(
                "MapTraceQuery: no ISpanReader is registered. Register one (e.g. ClickHouseSpanReader.ForEmbedded(engine, database, settings.QueryTimeout), " +
                "or a FanOutSpanReader over shards) or use AddTraceQuery(settings, readerFactory).");
        }
        var api = endpoints.ServiceProvider.GetRequiredService<TraceQueryApi>();
        Get(endpoints, "/api/services", api.ServicesAsync);
        Get(endpoints, "/api/services/{service}/operations", api.ServiceOperationsAsync);
        Get(endpoints, "/api/operations", api.OperationsAsync);
        Get(endpoints, "/api/traces", api.TracesAsync);
        Get(endpoints, "/api/traces/{traceId}", api.TraceAsync);
        Get(endpoints, "/api/dependencies", api.DependenciesAsync);
        Get(endpoints, "/api/v3/services", api.V3ServicesAsync);
        Get(endpoints, "/api/v3/operations", api.V3OperationsAsync);
        Get(endpoints, "/api/v3/traces", api.V3TracesAsync);
        Get(endpoints, "/api/v3/traces/{traceId}", api.V3TraceAsync);
        Get(endpoints, "/api/overview", api.OverviewAsync);
        Get(endpoints, "/api/ui-config", api.ConfigAsync);
        Get(endpoints, "/api/{**rest}", api.NotFoundAsync);
        if (settings.UiEnabled)
        {
            var ui = endpoints.ServiceProvider.GetRequiredService<TraceQueryUi>();
            Get(endpoints, "/", ui.IndexAsync);
            Get(endpoints, "/ui/{file}", ui.FileAsync);
        }
        return endpoints;
    }

    private static void Get(IEndpointRouteBuilder endpoints, string pattern, RequestDelegate handler) =>
        endpoints.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Head], handler);

    private sealed class ConfigureKestrel(QuerySettings settings, QueryEndpoints queryEndpoints) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions options) => queryEndpoints.Listen(options, settings);
    }
}
