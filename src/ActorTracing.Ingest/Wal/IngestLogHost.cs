using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Ingest.Wal;

/// <summary>One-line registration of the OTLP receivers' write-ahead log for the node.</summary>
public static class IngestLogHost
{
    /// <summary>
    /// When <c>actortracing.ingest.wal.enabled = on</c>, registers the <see cref="IngestLog"/>
    /// (opened when first resolved — the host resolves it before it starts, so a directory that
    /// cannot be used fails the start, naming the key) and <see cref="IngestLogReplay"/>. Call
    /// after AddAkka; the host must register an ITraceIngress that is an IConfirmingIngress.
    /// </summary>
    public static IServiceCollection AddIngestLog(this IServiceCollection services, IngestSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        settings.WriteAheadLog.Validate();
        // A node that serves no OTLP receiver has nothing to log.
        if (settings.WriteAheadLog.Enabled && (settings.EnableGrpc || settings.EnableHttp))
        {
            services.AddSingleton(sp => IngestLog.Open(settings.WriteAheadLog, settings.Region, sp.GetRequiredService<ILoggerFactory>().CreateLogger<IngestLog>()));
            services.AddSingleton<IngestLogReplay>();
            services.AddHostedService(sp => sp.GetRequiredService<IngestLogReplay>());
        }
        return services;
    }
}
