using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Ingress;
using Akka;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Ingest.Wal;

/// <summary>
/// Submits again what an earlier run of the node accepted over OTLP and never saw decided
/// (<see cref="IngestLog.Recovered"/>), oldest first, each request confirmed in the log once its
/// traces are decided, exactly as when it first came; and closes the log at a graceful stop.
/// Resolves the ActorSystem and the ingress when started, so it must be registered after AddAkka.
/// </summary>
/// <remarks>
/// <para>
/// Replay goes through the ingress's admission like any request: refused (the node is starting,
/// its buffer is full, storage is behind), a request is tried again after the Retry-After hint,
/// so a large backlog turns into backpressure on itself, not into loss. New requests are taken
/// meanwhile; they go to a new segment.
/// </para>
/// <para>
/// A graceful stop has two steps, as Kafka ingest's (<see cref="KafkaIngestService"/>): the host's
/// stop ends the replay; a coordinated-shutdown task, before the actor system terminates and so
/// after sharding's hand-off has decided what the shards held, waits for those confirmations for
/// up to most of that phase's timeout and closes the log. A rolling restart then has nothing to
/// submit again (requests whose traces live on other nodes and are still open by then are).
/// </para>
/// </remarks>
public sealed class IngestLogReplay : IHostedService
{
    internal const string Protocol = "wal-replay";
    private static readonly TimeSpan MinRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);

    private readonly IServiceProvider _services;
    private readonly IngestLog _log;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;
    private long _submitted;
    private long _pending;
    private long _skipped;
    private long _resubmitted;

    public IngestLogReplay(IServiceProvider services, IngestLog log, ILogger<IngestLogReplay> logger)
    {
        _services = services;
        _log = log;
        _logger = logger;
        _pending = log.Recovered.Count;
    }

    /// <summary>Requests submitted again since the start: an earlier run's, and this run's handed back (<see cref="Resubmitted"/>).</summary>
    public long Submitted => Interlocked.Read(ref _submitted);

    /// <summary>Requests of an earlier run not submitted again yet.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Requests of this run submitted again from the log because their waits were abandoned while the node ran.</summary>
    public long Resubmitted => Interlocked.Read(ref _resubmitted);

    /// <summary>Records that passed their checksum but did not decode (a bug or a format change): logged, confirmed and skipped.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var ingress = _services.GetRequiredService<ITraceIngress>() as IConfirmingIngress
            ?? throw new InvalidOperationException("the ingest write-ahead log needs an ingress that confirms decisions (IConfirmingIngress)");
        var shutdown = CoordinatedShutdown.Get(_services.GetRequiredService<ActorSystem>());
        var phase = CoordinatedShutdown.PhaseBeforeActorSystemTerminate;
        // Most of the phase, as Kafka ingest's commit task: the log still closes within it.
        var within = shutdown.Timeout(phase) * 0.8;
        var log = _log;
        shutdown.AddTask(phase, "ingest-wal-close", async () =>
        {
            await log.WaitForConfirmationsAsync(within).ConfigureAwait(false);
            log.Dispose();
            return Done.Instance;
        });
        _running = Task.Run(() => ReplayAsync(ingress, _stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What an earlier run left, then, for as long as the node runs, requests whose waits were abandoned (<see cref="IngestLog.TryTakeAbandoned"/>).</summary>
    private async Task ReplayAsync(IConfirmingIngress ingress, CancellationToken stop)
    {
        try
        {
            foreach (var entry in _log.Recovered)
            {
                await SubmitAgainAsync(ingress, entry, stop).ConfigureAwait(false);
                Interlocked.Decrement(ref _pending);
            }
            if (Submitted > 0)
            {
                _logger.LogInformation("Ingest write-ahead log: {Requests} requests of an earlier run submitted again", Submitted);
            }
            while (!stop.IsCancellationRequested && !_log.Closed)
            {
                await _log.WaitForAbandonedAsync(stop).ConfigureAwait(false);
                while (_log.TryTakeAbandoned(out var entry))
                {
                    Interlocked.Increment(ref _resubmitted);
                    await SubmitAgainAsync(ingress, entry, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: what was not submitted stays in the log for the next start.
        }
#pragma warning disable CA1031 // A bug here must be logged, not end the node; what is left stays in the log.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogError(ex, "Ingest write-ahead log: replay stopped; {Pending} requests stay in the log for the next start", Pending);
        }
    }

    private async Task SubmitAgainAsync(IConfirmingIngress ingress, IngestLogEntry entry, CancellationToken stop)
    {
        OtlpDecodeResult decoded;
        try
        {
            // Not transient: the list is ours and the spans slice the body read back, kept alive by them.
            decoded = OtlpTraceDecoder.Decode(entry.ReadBody(), entry.Segment.Region);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ObjectDisposedException)
        {
            // Left unconfirmed (or the log just closed): the next start reads the segment again (and checks every record).
            _logger.LogError(ex, "Ingest write-ahead log: record {Index} of segment {Segment} could not be read back; it stays for the next start", entry.Index, entry.Segment.Id);
            return;
        }
        catch (FormatException ex)
        {
            Interlocked.Increment(ref _skipped);
            _logger.LogError(ex, "Ingest write-ahead log: record {Index} of segment {Segment} does not decode; skipped", entry.Index, entry.Segment.Id);
            _log.Confirm(entry);
            return;
        }
        if (decoded.Traces.Count == 0)
        {
            _log.Confirm(entry);
            return;
        }
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            if (_log.Closed)
            {
                throw new OperationCanceledException(stop);
            }
            var wait = _log.NewWait(entry);
            var result = ingress.SubmitUntilDecided(decoded.Traces, Protocol, source: null, wait);
            if (result.Accepted)
            {
                Interlocked.Increment(ref _submitted);
                wait.Ready();
                return;
            }
            // Refused: nothing was counted on the wait; a new one goes with the next try.
            var backoff = result.RetryAfter < MinRetry ? MinRetry : result.RetryAfter > MaxRetry ? MaxRetry : result.RetryAfter;
            await Task.Delay(backoff, stop).ConfigureAwait(false);
        }
    }
}
