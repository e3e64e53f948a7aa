using ActorTracing.Protocol.Ingress;
using Akka;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorTracing.Ingest;

/// <summary>
/// Hosts <see cref="KafkaIngest"/> in the node. Resolves the ActorSystem and ITraceIngress when
/// started, so it must be registered after AddAkka (hosted services start in registration order).
/// </summary>
/// <remarks>
/// With commit-after = decided a graceful stop has two steps, because hosted services stop in
/// reverse order — this one before the actor system — and the records' traces are decided only
/// by the shards' hand-off in the actor system's coordinated shutdown. The host's stop only stops
/// fetching; a coordinated-shutdown task (before the actor system terminates, after sharding has
/// handed off) then lets the accepted records' decisions come in, commits them and closes the
/// consumer, for up to most of that phase's timeout. So a rolling restart reads nothing twice
/// (what is still undecided then — traces owned by other nodes — is read again). The task also
/// runs when the actor system stops by itself (the node downed).
/// </remarks>
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
        if (_settings.Kafka.CommitsAfterDecision)
        {
            var ingest = _ingest;
            var shutdown = CoordinatedShutdown.Get(_services.GetRequiredService<ActorSystem>());
            var phase = CoordinatedShutdown.PhaseBeforeActorSystemTerminate;
            // Most of the phase: the consumer still has to commit and leave its group within it.
            var within = shutdown.Timeout(phase) * 0.8;
            shutdown.AddTask(phase, "kafka-ingest-commit-decided", async () =>
            {
                await ingest.StopAsync(within).ConfigureAwait(false);
                return Done.Instance;
            });
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_ingest is not { } ingest)
        {
            return Task.CompletedTask;
        }
        if (_settings.Kafka.CommitsAfterDecision)
        {
            ingest.StopFetching();
            return Task.CompletedTask;
        }
        return ingest.StopAsync();
    }
}
