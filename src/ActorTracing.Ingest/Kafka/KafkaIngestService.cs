using ActorTracing.Protocol.Ingress;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorTracing.Ingest;

/// <summary>
/// Hosts <see cref="KafkaIngest"/> in the node. Resolves the ActorSystem and ITraceIngress when
/// started, so it must be registered after AddAkka (hosted services start in registration order).
/// </summary>
public sealed class KafkaIngestService : IHostedService
{
    private readonly IServiceProvider _services;
    private readonly IngestSettings _settings;
    private KafkaIngest? _ingest;

    public KafkaIngestService(IServiceProvider services, IngestSettings settings, KafkaIngestCounters counters)
    {
        _services = services;
        _settings = settings;
        Counters = counters;
    }

    public KafkaIngestCounters Counters { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ingest = new KafkaIngest(
            _settings.Kafka,
            _settings.Region,
            _services.GetRequiredService<ITraceIngress>(),
            _services.GetRequiredService<ActorSystem>(),
            Counters);
        _ingest.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _ingest?.StopAsync() ?? Task.CompletedTask;
}
