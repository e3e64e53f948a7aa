using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Ingress;
using ActorTracing.Streams.Kafka;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorTracing.Ingest;

/// <summary>
/// Runs the Kafka source: consume → decode → <see cref="ITraceIngress.Submit"/> → commit.
/// Records are handled one at a time, so per partition they are submitted in offset order, and an
/// offset is committed only after its record was accepted or found malformed (at-least-once:
/// a crash or stop re-reads at most the uncommitted tail). While the ingress refuses, the same
/// record is retried after its Retry-After and nothing new is polled: the bounded poll buffer
/// fills and the poll thread stops fetching.
/// </summary>
public sealed class KafkaIngest : IAsyncDisposable
{
    public const string Protocol = "kafka";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly KafkaIngestSettings _settings;
    private readonly string _region;
    private readonly ITraceIngress _ingress;
    private readonly ActorSystem _system;
    private readonly ILoggingAdapter _log;
    private readonly CancellationTokenSource _stopping = new();
    private IConsumerControl? _control;
    private Task<Done>? _done;

    /// <param name="defaultRegion">The node's region, used when <see cref="KafkaIngestSettings.Region"/> is empty.</param>
    public KafkaIngest(KafkaIngestSettings settings, string defaultRegion, ITraceIngress ingress, ActorSystem system, KafkaIngestCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(system);
        settings.Validate();
        _settings = settings;
        _region = string.IsNullOrWhiteSpace(settings.Region) ? defaultRegion : settings.Region;
        _ingress = ingress;
        _system = system;
        _log = Logging.GetLogger(system, typeof(KafkaIngest));
        Counters = counters ?? new KafkaIngestCounters();
    }

    public KafkaIngestCounters Counters { get; }

    /// <summary>Completes when the stream ends (after <see cref="StopAsync"/>, or failed if the consumer failed).</summary>
    public Task Completion => _done ?? Task.CompletedTask;

    public void Start()
    {
        if (_control is not null)
        {
            throw new InvalidOperationException("KafkaIngest is already running");
        }
        var (control, done) = KafkaConsumer.CommittableSource(_settings.ToConsumerSettings(), _settings.Topics)
            .SelectAsync(1, HandleAsync)
            // A record not handled because of a stop ends the stream there: committing anything
            // after it would commit past a record that never reached the ingress. (Streams carry
            // no nulls, hence the wrapper.)
            .TakeWhile(handled => handled.Offset is not null)
            .Select(handled => handled.Offset!)
            .Via(Committer.Flow(_settings.ToCommitterSettings()))
            .Select(count =>
            {
                Counters.Committed(count);
                return count;
            })
            .ToMaterialized(Sink.Ignore<int>(), Keep.Both)
            .Run(_system.Materializer(namePrefix: "kafka-ingest"));
        _control = control;
        _done = done;
        Counters.LagFrom(() => control.Lag);
        _log.Info("Kafka ingest started: topics [{0}] from {1} as group {2}", string.Join(", ", _settings.Topics), _settings.BootstrapServers, _settings.GroupId);
    }

    /// <summary>Asks the broker for the current lag (rather than the periodic snapshot).</summary>
    public Task<IReadOnlyList<PartitionLag>> QueryLagAsync() =>
        _control?.QueryLagAsync() ?? Task.FromResult<IReadOnlyList<PartitionLag>>([]);

    /// <summary>
    /// Stops fetching, abandons a record waiting for the ingress (it stays uncommitted and is read
    /// again on restart), commits what was handled, then closes the consumer.
    /// </summary>
    public async Task StopAsync()
    {
        var control = _control;
        if (control is null)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        control.Stop();
        try
        {
            await Completion.WaitAsync(StopTimeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _log.Warning(ex, "Kafka ingest stream did not end cleanly; uncommitted records will be read again");
        }
        await control.ShutdownAsync().WaitAsync(StopTimeout).ConfigureAwait(false);
        _log.Info("Kafka ingest stopped: {0} records consumed, {1} committed", Counters.RecordsConsumed, Counters.RecordsCommitted);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task<Handled> HandleAsync(CommittableMessage message)
    {
        if (_stopping.IsCancellationRequested)
        {
            return Handled.Abandoned;
        }
        Counters.RecordConsumed();
        OtlpDecodeResult decoded;
        try
        {
            decoded = OtlpTraceDecoder.Decode(message.Value, _region);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nothing in a malformed record can be trusted and retrying cannot fix it; committing
            // it keeps one bad record from stalling its partition forever.
            Counters.Malformed();
            _log.Warning("Kafka record {0}[{1}]@{2} ({3} bytes) is not an OTLP ExportTraceServiceRequest, skipped: {4}",
                message.Topic, message.Partition, message.Offset, message.Value.Length, ex.Message);
            return new Handled(message.CommittableOffset);
        }
        if (decoded.Traces.Count == 0)
        {
            return new Handled(message.CommittableOffset);
        }
        while (true)
        {
            var result = _ingress.Submit(decoded.Traces, Protocol);
            if (result.Accepted)
            {
                Counters.Accepted(decoded.Traces.Sum(t => t.Spans.Count));
                return new Handled(message.CommittableOffset);
            }
            Counters.Retried();
            var wait = result.RetryAfter <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(100)
                : result.RetryAfter > _settings.MaxRetryAfter ? _settings.MaxRetryAfter
                : result.RetryAfter;
            try
            {
                // The only await between refusals: no other record moves meanwhile (SelectAsync(1)).
                await Task.Delay(wait, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return Handled.Abandoned;
            }
        }
    }

    /// <summary>The outcome of one record: its offset to commit, or none when a stop abandoned it.</summary>
    private readonly record struct Handled(CommittableOffset? Offset)
    {
        public static Handled Abandoned => default;
    }
}
