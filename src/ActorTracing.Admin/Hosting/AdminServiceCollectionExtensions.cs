using Microsoft.Extensions.DependencyInjection;

namespace ActorTracing.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// Serves the admin endpoint for the node's ActorSystem. Call after AddAkka (hosted services
    /// start in order). Reads from DI when present: ActorRegistry (TraceRegion), PipelineGauges,
    /// IngestCounters, IStorageStatsSource, DecisionLatencyHistogram, DecisionCache. Settings are
    /// validated here, so a node bound off loopback without a token fails before anything starts.
    /// </summary>
    public static IServiceCollection AddAdminEndpoint(this IServiceCollection services, AdminSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        services.AddSingleton(settings);
        services.AddHostedService(sp => new AdminHostedService(sp, settings));
        return services;
    }
}
