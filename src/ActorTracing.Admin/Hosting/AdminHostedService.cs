using ActorTracing.Domain.Decisions;
using ActorTracing.Ingest;
using ActorTracing.Protocol.Pipeline;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorTracing.Admin;

/// <summary>
/// Runs <see cref="AdminEndpoint"/> inside a generic host. Hosted services start in registration
/// order, so registered after AddAkka it starts once the ActorSystem runs; it stops first, so
/// no command races the cluster leaving.
/// </summary>
internal sealed class AdminHostedService(IServiceProvider services, AdminSettings settings) : IHostedService, IAsyncDisposable
{
    private AdminEndpoint? _endpoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            return;
        }
        var sources = new AdminSources(services.GetRequiredService<ActorSystem>())
        {
            Registry = services.GetService<ActorRegistry>(),
            Gauges = services.GetService<PipelineGauges>(),
            Ingest = services.GetService<IngestCounters>(),
            Kafka = services.GetService<KafkaIngestCounters>(),
            IngestLog = services.GetService<Ingest.Wal.IngestLog>(),
            IngestLogReplay = services.GetService<Ingest.Wal.IngestLogReplay>(),
            Storage = services.GetService<IStorageStatsSource>(),
            DecisionLatency = services.GetService<DecisionLatencyHistogram>(),
            Decisions = services.GetService<DecisionCache>(),
            Redelivery = services.GetService<IRedeliveryStats>(),
        };
        _endpoint = await AdminEndpoint.StartAsync(settings, sources, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_endpoint is { } endpoint)
        {
            await endpoint.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_endpoint is { } endpoint)
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
        }
    }
}
