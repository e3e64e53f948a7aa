using Akka;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorTracing.Storage;

/// <summary>
/// <c>ttl-days</c> for ClickHouse servers: 18.16 has no TTL clause, so every
/// <see cref="StorageSettings.RetentionInterval"/> (and once at start) each shard's wholly expired
/// days are dropped by partition (<see cref="ServerSpanStore.DropExpiredPartitionsAsync"/>) — the
/// same effect as the embedded schema's TTL with ttl_only_drop_parts. A shard that fails is logged,
/// counted and tried again next time; retention never stops on an error.
/// </summary>
public sealed class PartitionRetention : IAsyncDisposable
{
    private readonly IReadOnlyList<ServerSpanStore> _stores;
    private readonly ILoggingAdapter _log;
    private readonly Func<DateTime> _utcNow;
    private readonly CancellationTokenSource _stop = new();

    private UniqueKillSwitch? _killSwitch;
    private long _runs;
    private long _partitionsDropped;
    private long _failures;
    private string? _lastError;

    private PartitionRetention(IReadOnlyList<ServerSpanStore> stores, ILoggingAdapter log, Func<DateTime> utcNow)
    {
        _stores = stores;
        _log = log;
        _utcNow = utcNow;
        Completion = Task.CompletedTask;
    }

    /// <summary>Passes over all shards completed (each shard tried once per pass).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    public long PartitionsDropped => Interlocked.Read(ref _partitionsDropped);

    /// <summary>Shard passes that failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public string? LastError => Volatile.Read(ref _lastError);

    public Task Completion { get; private set; }

    /// <param name="utcNow">The clock (tests); null for <see cref="DateTime.UtcNow"/>.</param>
    public static PartitionRetention Start(
        IMaterializer materializer,
        IReadOnlyList<ServerSpanStore> stores,
        TimeSpan interval,
        ILoggingAdapter? log = null,
        Func<DateTime>? utcNow = null)
    {
        ArgumentNullException.ThrowIfNull(materializer);
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var retention = new PartitionRetention(stores.ToArray(), log ?? NoLogger.Instance, utcNow ?? (() => DateTime.UtcNow));
        // A stream tick rather than a timer: the pass is async I/O, and SelectAsync(1) keeps passes
        // from overlapping when one takes longer than the interval (ticks meanwhile are dropped).
        var (killSwitch, completion) = Source.Tick(TimeSpan.Zero, interval, NotUsed.Instance)
            .ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right)
            .SelectAsync(1, _ => retention.RunOnceAsync())
            .ToMaterialized(Sink.Ignore<NotUsed>(), Keep.Both)
            .Run(materializer);
        retention._killSwitch = killSwitch;
        retention.Completion = completion;
        return retention;
    }

    /// <summary>Stops the ticks and waits for a running pass (its current request is cancelled).</summary>
    public async Task StopAsync()
    {
        _killSwitch?.Shutdown();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // The pass interrupted by the stop ends the stream with whatever it was doing; expected.
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task<NotUsed> RunOnceAsync()
    {
        foreach (var store in _stores)
        {
            if (_stop.IsCancellationRequested)
            {
                break;
            }
            try
            {
                var dropped = await store.DropExpiredPartitionsAsync(_utcNow(), _stop.Token).ConfigureAwait(false);
                Interlocked.Add(ref _partitionsDropped, dropped.Count);
                if (dropped.Count > 0)
                {
                    _log.Info("Retention dropped {0} expired partitions on {1}: {2}", dropped.Count, store.Endpoint, string.Join(", ", dropped));
                }
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failures);
                Volatile.Write(ref _lastError, e.Message);
                _log.Warning(e, "Retention on {0} failed; retrying at the next interval", store.Endpoint);
            }
        }
        Interlocked.Increment(ref _runs);
        return NotUsed.Instance;
    }
}
