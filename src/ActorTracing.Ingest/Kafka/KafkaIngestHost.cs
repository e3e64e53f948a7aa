using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorTracing.Ingest;

/// <summary>One-line registration of the Kafka source for the node.</summary>
public static class KafkaIngestHost
{
    /// <summary>
    /// Registers <see cref="KafkaIngestService"/> when <c>actortracing.ingest.kafka.enabled = on</c>
    /// (and always <see cref="KafkaIngestCounters"/>, so /metrics can depend on it). Call after
    /// AddAkka; the host must register an ITraceIngress.
    /// </summary>
    public static IServiceCollection AddKafkaIngest(this IServiceCollection services, IngestSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Kafka.Validate();
        services.TryAddSingleton<KafkaIngestCounters>();
        if (settings.Kafka.Enabled)
        {
            services.TryAddSingleton(settings);
            services.AddSingleton<KafkaIngestService>();
            services.AddHostedService(sp => sp.GetRequiredService<KafkaIngestService>());
        }
        return services;
    }
}
