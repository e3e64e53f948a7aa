using System.Diagnostics;
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
/// Runs the Kafka source: consume → decode → <see cref="ITraceIngress.Submit"/> → (wait for the
/// decisions) → commit. Records are handled one at a time, so per partition they are submitted in
/// offset order, and an offset is committed only after its record was found malformed, or was
/// accepted and — with <c>commit-after = decided</c>, the default — every trace in it was decided
/// by its owner (<see cref="IConfirmingIngress"/>): at-least-once, and a node that crashes with the
/// record's traces still open loses nothing, since the group's next consumer reads the record
/// again. Up to <c>max-undecided-records</c> wait at once, committed in offset order. While the ingress refuses, the
/// same record is retried after its Retry-After and nothing new is polled: the bounded poll buffer
/// fills and the poll thread stops fetching. When the stream fails (a consume or commit error, the
/// consumer dropped from its group), the failed consumer is closed and a new one started after
/// <see cref="KafkaRestartBackoff"/>; only <see cref="StopAsync"/> ends the ingest.
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
    // Cancels the waits for decisions: at once on a plain stop, after a grace period when the
    // node stops gracefully (see StopAsync). Records whose wait is cancelled stay uncommitted.
    private readonly CancellationTokenSource _abandonDecisions = new();
    private readonly IConfirmingIngress? _confirming;
    // Orders Start, a restart and StopAsync: a consumer is started only while no stop has been
    // asked for, and StopAsync stops whichever consumer is current when it takes the gate.
    private readonly Lock _gate = new();
    private bool _stopRequested;
    private bool _fetchStopped;
    private ConsumerRun? _current;
    private Task? _running;
    // Periodic lag refreshes failed in a row, across consumers: a dead broker fails one every
    // refresh interval, so only the start and the end of a streak are logged (all are counted).
    private int _lagRefreshFailuresInARow;

    /// <param name="defaultRegion">The node's region, used when <see cref="KafkaIngestSettings.Region"/> is empty.</param>
    public KafkaIngest(KafkaIngestSettings settings, string defaultRegion, ITraceIngress ingress, ActorSystem system, KafkaIngestCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(system);
        settings.Validate();
        if (settings.CommitsAfterDecision)
        {
            _confirming = ingress as IConfirmingIngress
                ?? throw new ArgumentException($"{KafkaIngestSettings.Section}.commit-after = {KafkaIngestSettings.CommitAfterDecided} needs an ingress that reports decisions ({nameof(IConfirmingIngress)}); {ingress.GetType().Name} does not", nameof(ingress));
        }
        _settings = settings;
        _region = string.IsNullOrWhiteSpace(settings.Region) ? defaultRegion : settings.Region;
        _ingress = ingress;
        _system = system;
        _log = Logging.GetLogger(system, typeof(KafkaIngest));
        Counters = counters ?? new KafkaIngestCounters();
    }

    public KafkaIngestCounters Counters { get; }

    /// <summary>
    /// Completes once <see cref="StopAsync"/> has stopped the ingest and closed its consumer. A
    /// failed consumer does not end it: it is restarted.
    /// </summary>
    public Task Completion => _running ?? Task.CompletedTask;

    public void Start()
    {
        lock (_gate)
        {
            if (_running is not null || _stopRequested)
            {
                throw new InvalidOperationException("KafkaIngest is already running (or was stopped; it starts once)");
            }
            // One for all runs, never shut down: here materializers created from the ActorSystem
            // share its stream supervisor, so shutting one down would stop every stream of the node.
            var materializer = _system.Materializer(namePrefix: "kafka-ingest");
            var first = StartConsumer(materializer);
            _running = SuperviseAsync(first, materializer);
        }
        _log.Info("Kafka ingest started: topics [{0}] from {1} as group {2}", string.Join(", ", _settings.Topics), _settings.BootstrapServers, _settings.GroupId);
    }

    /// <summary>Asks the broker for the current lag (rather than the periodic snapshot); empty while a restart waits.</summary>
    public Task<IReadOnlyList<PartitionLag>> QueryLagAsync() =>
        Volatile.Read(ref _current)?.Control.QueryLagAsync() ?? Task.FromResult<IReadOnlyList<PartitionLag>>([]);

    /// <summary>
    /// Stops fetching, abandons a record waiting for the ingress (it stays uncommitted and is read
    /// again on restart), commits what was handled, then closes the consumer. During a restart's
    /// backoff there is no consumer: the wait is cut short and nothing is started.
    /// </summary>
    /// <param name="decisionsWithin">
    /// With commit-after = decided, how long records already accepted may still wait for their
    /// decisions to be committed; the rest stay uncommitted (read again). A node stopping
    /// gracefully gives the time its shards' hand-off takes to decide what they hold
    /// (<see cref="KafkaIngestService"/>); zero abandons the waits at once.
    /// </param>
    public async Task StopAsync(TimeSpan decisionsWithin = default)
    {
        ConsumerRun? current;
        Task? running;
        bool first;
        lock (_gate)
        {
            running = _running;
            first = running is not null && !_stopRequested;
            _stopRequested = true;
            current = _current;
        }
        if (running is null)
        {
            return;
        }
        if (!first)
        {
            // Another StopAsync (or DisposeAsync after it) is on it: wait for the same end.
            await running.ConfigureAwait(false);
            return;
        }
        if (decisionsWithin > TimeSpan.Zero)
        {
            _abandonDecisions.CancelAfter(decisionsWithin);
        }
        else
        {
            await _abandonDecisions.CancelAsync().ConfigureAwait(false);
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        current?.Control.Stop();
        await running.ConfigureAwait(false);
        _log.Info("Kafka ingest stopped: {0} records consumed, {1} committed, {2} consumer restarts", Counters.RecordsConsumed, Counters.RecordsCommitted, Counters.ConsumerRestarts);
    }

    /// <summary>
    /// Stops fetching new records (the node is stopping); records already accepted stay in the
    /// stream until their decisions come in or <see cref="StopAsync"/> gives up on them, and a
    /// record still refused is abandoned (uncommitted). The stream ending after this is a stop,
    /// not a failure.
    /// </summary>
    public void StopFetching()
    {
        ConsumerRun? current;
        lock (_gate)
        {
            if (_stopRequested)
            {
                // StopAsync is on it (and may have closed the run this would touch).
                return;
            }
            _fetchStopped = true;
            current = _current;
        }
        if (current is not null)
        {
            current.Abandon.Cancel();
            current.Control.Stop();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _abandonDecisions.Dispose();
    }

    /// <summary>Materializes a consumer and its stream. Called under <see cref="_gate"/>.</summary>
    private ConsumerRun StartConsumer(ActorMaterializer materializer)
    {
        // Per run, so a failed stream's record still waiting for the ingress gives up instead of
        // submitting beside the next consumer's stream; linked, so a stop reaches it too.
        var abandon = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var token = abandon.Token;
        var (control, done) = KafkaConsumer.CommittableSource(_settings.ToConsumerSettings() with { OnLog = LogLibrdkafka, OnLagRefresh = LagRefreshed }, _settings.Topics)
            .SelectAsync(1, message => HandleAsync(message, token))
            // A record not handled because of a stop ends the stream there: committing anything
            // after it would commit past a record that never reached the ingress. (Streams carry
            // no nulls, hence the wrapper.)
            .TakeWhile(handled => handled.Offset is not null)
            // Records wait here for their decisions, many at once, and leave in offset order: a
            // record is committed only with every record before it. At the bound nothing more is
            // taken, the poll buffer fills and polling stops. A wait that ends unheard ends the
            // stream there too, as above.
            .SelectAsync(_confirming is null ? 1 : _settings.MaxUndecidedRecords, DecidedAsync)
            .TakeWhile(handled => handled.Offset is not null)
            .Select(handled => handled.Offset!)
            .Via(Committer.Flow(_settings.ToCommitterSettings()))
            .Select(count =>
            {
                Counters.Committed(count);
                return count;
            })
            .ToMaterialized(Sink.Ignore<int>(), Keep.Both)
            .Run(materializer);
        Counters.LagFrom(() => control.Lag, () => control.LagAge);
        var run = new ConsumerRun(control, done, abandon, Stopwatch.GetTimestamp());
        Volatile.Write(ref _current, run);
        return run;
    }

    /// <summary>
    /// Waits for the current consumer's stream to end. Its source never completes by itself, so an
    /// end without a stop is a failure: log the cause, close that consumer, and start the next one
    /// after the backoff. Returns once a stop has ended the current stream or cut a backoff short.
    /// </summary>
    private async Task SuperviseAsync(ConsumerRun run, ActorMaterializer materializer)
    {
        var backoff = new KafkaRestartBackoff(_settings.RestartMinBackoff, _settings.RestartMaxBackoff);
        var stopped = Task.Delay(Timeout.Infinite, _stopping.Token);
        while (true)
        {
            await Task.WhenAny(run.Done, stopped).ConfigureAwait(false);
            if (_stopping.IsCancellationRequested || Volatile.Read(ref _fetchStopped))
            {
                await EndAfterStopAsync(run).ConfigureAwait(false);
                return;
            }
            var ranFor = Stopwatch.GetElapsedTime(run.StartedAt);
            var wait = backoff.Next(ranFor);
            Counters.Restarted();
            var cause = Unwrap(run.Done.Exception);
            if (cause is not null)
            {
                _log.Error(cause, "Kafka ingest consumer failed after {0:0.###}s; starting a new one in {1:0.###}s (restart {2}), from the committed offsets",
                    ranFor.TotalSeconds, wait.TotalSeconds, Counters.ConsumerRestarts);
            }
            else
            {
                _log.Error("Kafka ingest stream ended without a stop after {0:0.###}s; starting a new consumer in {1:0.###}s (restart {2}), from the committed offsets",
                    ranFor.TotalSeconds, wait.TotalSeconds, Counters.ConsumerRestarts);
            }
            Volatile.Write(ref _current, null);
            Counters.LagFrom(static () => [], static () => null);
            await run.Abandon.CancelAsync().ConfigureAwait(false);
            // The failed consumer may still hold its partitions (a commit error leaves the poll
            // thread running): it must leave the group, or the next one is assigned nothing.
            await CloseAsync(run).ConfigureAwait(false);
            try
            {
                await Task.Delay(wait, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            lock (_gate)
            {
                if (_stopRequested)
                {
                    return;
                }
                try
                {
                    run = StartConsumer(materializer);
                }
                catch (Exception ex)
                {
                    // Materializing this graph fails only once the materializer is gone, i.e.
                    // the ActorSystem is terminating: nothing could run, so do not retry.
                    _log.Error(ex, "Kafka ingest could not start a new consumer and ends; the node is shutting down");
                    return;
                }
            }
            _log.Info("Kafka ingest consumer started again (restart {0}): topics [{1}] as group {2}", Counters.ConsumerRestarts, string.Join(", ", _settings.Topics), _settings.GroupId);
        }
    }

    private async Task EndAfterStopAsync(ConsumerRun run)
    {
        try
        {
            await run.Done.WaitAsync(StopTimeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _log.Warning(ex, "Kafka ingest stream did not end cleanly; uncommitted records will be read again");
        }
        await CloseAsync(run).ConfigureAwait(false);
    }

    private async Task CloseAsync(ConsumerRun run)
    {
        try
        {
            await run.Control.ShutdownAsync().WaitAsync(StopTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.Warning("Kafka consumer did not close within {0}s; the broker will drop it from the group after its session timeout", StopTimeout.TotalSeconds);
        }
        catch (Exception ex)
        {
            // The poll loop died of the failure already logged; it closed the consumer (best
            // effort) on its way out, and its completion carries that same error.
            _log.Debug("Kafka consumer ended with: {0}", ex.Message);
        }
        finally
        {
            run.Abandon.Dispose();
        }
    }

    private async Task<Handled> HandleAsync(CommittableMessage message, CancellationToken abandon)
    {
        if (abandon.IsCancellationRequested)
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
            Task? decided = null;
            var result = _confirming is null
                ? _ingress.Submit(decoded.Traces, Protocol)
                : _confirming.SubmitUntilDecided(decoded.Traces, Protocol, null, out decided);
            if (result.Accepted)
            {
                Counters.Accepted(decoded.Traces.Sum(t => t.Spans.Count));
                if (decided is not null)
                {
                    // Counted off the wait itself, not the stream: a stream that ends (a restart,
                    // a stop) drops the waits it holds, and the gauge must still come down.
                    Counters.AwaitingDecision();
                    _ = decided.ContinueWith(static (_, counters) => ((KafkaIngestCounters)counters!).DecisionHeard(), Counters, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
                return new Handled(message.CommittableOffset, decided);
            }
            Counters.Retried();
            var wait = result.RetryAfter <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(100)
                : result.RetryAfter > _settings.MaxRetryAfter ? _settings.MaxRetryAfter
                : result.RetryAfter;
            try
            {
                // The only await between refusals: no other record moves meanwhile (SelectAsync(1)).
                await Task.Delay(wait, abandon).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return Handled.Abandoned;
            }
        }
    }

    /// <summary>
    /// The record's offset once every trace in it is decided; abandoned (nothing from it on is
    /// committed, so it is read again) when the decisions will not be heard — their owners'
    /// confirmations were given up on, or the node is stopping past its grace period.
    /// </summary>
    private Task<Handled> DecidedAsync(Handled handled)
    {
        if (handled.Decided is not { } decided)
        {
            return Task.FromResult(handled);
        }
        return decided.IsCompletedSuccessfully ? Task.FromResult(handled with { Decided = null }) : WaitAsync(handled, decided);

        async Task<Handled> WaitAsync(Handled waiting, Task pending)
        {
            try
            {
                await pending.WaitAsync(_abandonDecisions.Token).ConfigureAwait(false);
                return waiting with { Decided = null };
            }
            catch (OperationCanceledException)
            {
                Counters.DecisionWaitAbandoned();
                var record = waiting.Offset!.Position;
                _log.Warning("Kafka record {0}[{1}]@{2}: the decisions of its traces will not be heard ({3}); it and the records after it stay uncommitted and are read again",
                    record.Topic, record.Partition.Value, record.Offset.Value,
                    _abandonDecisions.IsCancellationRequested ? "the node is stopping" : "their owners' confirmations were given up on, or the node is stopping");
                return Handled.Abandoned;
            }
        }
    }

    /// <summary>The failure itself rather than the task wrappers around it (the source's channel adds one).</summary>
    private static Exception? Unwrap(Exception? failure)
    {
        while (failure is AggregateException { InnerExceptions: [var single] })
        {
            failure = single;
        }
        return failure;
    }

    /// <summary>One consumer and its stream: <paramref name="Done"/> ends when the stream does.</summary>
    private sealed record ConsumerRun(IConsumerControl Control, Task<Done> Done, CancellationTokenSource Abandon, long StartedAt);

    /// <summary>
    /// librdkafka's own lines (connection refused, broker down, rebalances) in the node's log
    /// instead of raw on stderr. Its "errors" are mostly transient — it reconnects by itself —
    /// so they are warnings; a failure that ends the consumer is logged as an error where the
    /// stream fails (and the consumer is restarted).
    /// </summary>
    private void LogLibrdkafka(Confluent.Kafka.LogMessage message)
    {
        const string Template = "librdkafka {0} {1}: {2}";
        if (message.Level <= Confluent.Kafka.SyslogLevel.Warning)
        {
            _log.Warning(Template, message.Name, message.Facility, message.Message);
        }
        else if (message.Level <= Confluent.Kafka.SyslogLevel.Info)
        {
            _log.Info(Template, message.Name, message.Facility, message.Message);
        }
        else
        {
            _log.Debug(Template, message.Name, message.Facility, message.Message);
        }
    }

    /// <summary>
    /// Makes a failing lag refresh visible: the lag gauges would otherwise go on showing their
    /// last figures as if current. Called one refresh at a time (see <see cref="ConsumerSettings.OnLagRefresh"/>).
    /// </summary>
    private void LagRefreshed(Exception? failure)
    {
        if (failure is null)
        {
            if (Interlocked.Exchange(ref _lagRefreshFailuresInARow, 0) is var failed and > 0)
            {
                _log.Info("Kafka lag refresh for group {0} succeeded again after {1} failed in a row; the lag figures are current", _settings.GroupId, failed);
            }
            return;
        }
        Counters.LagRefreshFailed();
        if (Interlocked.Increment(ref _lagRefreshFailuresInARow) == 1)
        {
            _log.Warning("Kafka lag refresh for group {0} failed: {1}. The lag figures keep their last values until a refresh succeeds (actortracing_kafka_lag_age_seconds says how old they are); further failures are only counted (actortracing_kafka_lag_refresh_failures_total)",
                _settings.GroupId, failure.Message);
        }
    }

    /// <summary>
    /// The outcome of one record: its offset to commit, or none when a stop abandoned it; with
    /// commit-after = decided, the wait for its traces' decisions. (Not the record: its value
    /// would stay alive while the wait lasts.)
    /// </summary>
    private readonly record struct Handled(CommittableOffset? Offset, Task? Decided = null)
    {
        public static Handled Abandoned => default;
    }
}
