using ActorTracing.Domain;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;

namespace ActorTracing.Storage;

/// <summary>
/// Splits kept spans over several stores (ClickHouse servers) by trace: every span of a trace goes
/// to shard <c>TraceId.StableHash() % shard count</c>, so a trace is always read whole from one
/// server, and every node of the cluster picks the same shard for it. Each shard has its own
/// <see cref="StorageWriter"/> — its own batches, retries and counters — so a slow or dead shard
/// grows only its own backlog while the others keep writing; <see cref="PendingRows"/> (the sum)
/// still rises, so ingest throttles instead of buffering without end. A trace's summary is routed
/// by the same hash, so it is stored (and read) on the shard that holds the trace's spans.
/// </summary>
public sealed class ShardedStorageWriter : IAsyncDisposable
{
    private readonly StorageWriter[] _writers;

    private ShardedStorageWriter(IReadOnlyList<StorageShard> shards, PartitionRetention? retention)
    {
        Shards = shards;
        Retention = retention;
        _writers = shards.Select(s => s.Writer).ToArray();
    }

    /// <summary>The shards in index order.</summary>
    public IReadOnlyList<StorageShard> Shards { get; }

    /// <summary>
    /// ttl-days on the server shards (18.16 has no TTL), started with the writer and stopped by
    /// <see cref="CompleteAsync"/>; null when ttl-days is 0 or no shard is a <see cref="ServerSpanStore"/>.
    /// </summary>
    public PartitionRetention? Retention { get; }

    /// <summary>Spans enqueued and not yet written, all shards. Ingest backpressures on this.</summary>
    public long PendingRows => Sum(static w => w.PendingRows);

    public long RowsWritten => Sum(static w => w.RowsWritten);

    public long BatchesWritten => Sum(static w => w.BatchesWritten);

    public long WriteRetries => Sum(static w => w.WriteRetries);

    public long FailedAttempts => Sum(static w => w.FailedAttempts);

    public long UnencodableSpans => Sum(static w => w.UnencodableSpans);

    public long PendingSummaries => Sum(static w => w.PendingSummaries);

    public long SummariesWritten => Sum(static w => w.SummariesWritten);

    public long SummariesNotStored => Sum(static w => w.SummariesNotStored);

    public long SummariesInSpanRows => Sum(static w => w.SummariesInSpanRows);

    /// <summary>Completes when every shard's writer has stopped (faults if one was aborted).</summary>
    public Task Completion => Task.WhenAll(_writers.Select(w => w.Completion));

    /// <summary>
    /// The shard of a trace. Part of the stored data's layout: it must never change for a given
    /// shard count (StableHash is version-stable for the same reason).
    /// </summary>
    public static int ShardOf(TraceId traceId, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return (int)(traceId.StableHash() % (ulong)shardCount);
    }

    /// <summary>Starts one writer per store on the system's materializer; each logs under its shard's name.</summary>
    public static ShardedStorageWriter Start(ActorSystem system, IReadOnlyList<ISpanStore> stores, StorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(system);
        var materializer = system.Materializer();
        return Start(
            materializer,
            stores,
            settings,
            (index, name, store) => StorageWriter.Start(materializer, store, settings, Logging.GetLogger(system, $"StorageWriter[shard {index} {name}]")),
            Logging.GetLogger(system, typeof(PartitionRetention)));
    }

    public static ShardedStorageWriter Start(IMaterializer materializer, IReadOnlyList<ISpanStore> stores, StorageSettings settings, ILoggingAdapter? log = null)
    {
        ArgumentNullException.ThrowIfNull(materializer);
        return Start(materializer, stores, settings, (_, _, store) => StorageWriter.Start(materializer, store, settings, log), log);
    }

    /// <summary>
    /// Routes spans by trace to their shards' writers. Never blocks, never drops; safe from any
    /// thread. Typically one trace's spans (one shard, no copy); a mixed list is split.
    /// </summary>
    /// <exception cref="InvalidOperationException">The writer was completed.</exception>
    public void Enqueue(IReadOnlyList<StoredSpan> spans) => Enqueue(spans, summary: null);

    /// <summary>
    /// Routes a kept trace's spans and its summary (null for none) to the trace's shard, where they
    /// are written in the same batch. Never blocks, never drops; safe from any thread. Spans of
    /// other traces in the list are split off to their own shards.
    /// </summary>
    /// <param name="spanBytes">A share of the buffer the spans' bytes live in, or null: given back
    /// once every shard the spans went to has encoded them (see <see cref="StorageWriter.Enqueue(IReadOnlyList{StoredSpan}, StoredTraceSummary?, SharedBuffer?)"/>).</param>
    /// <param name="stored">Called once every shard the rows went to has written them (see
    /// <see cref="StorageWriter.Enqueue(IReadOnlyList{StoredSpan}, StoredTraceSummary?, SharedBuffer?, WhenStored)"/>).</param>
    /// <exception cref="InvalidOperationException">The writer was completed.</exception>
    public void Enqueue(IReadOnlyList<StoredSpan> spans, StoredTraceSummary? summary, SharedBuffer? spanBytes = null, WhenStored stored = default)
    {
        ArgumentNullException.ThrowIfNull(spans);
        if (spans.Count == 0)
        {
            if (summary is not null)
            {
                _writers[ShardOf(summary.TraceId, _writers.Length)].Enqueue(spans, summary, spanBytes, stored);
            }
            else
            {
                spanBytes?.Release();
                stored.Invoke();
            }
            return;
        }
        var first = spans[0].Span.TraceId;
        var single = true;
        for (var i = 1; i < spans.Count && single; i++)
        {
            single = spans[i].Span.TraceId == first;
        }
        if (_writers.Length == 1 || (single && (summary is null || summary.TraceId == first)))
        {
            _writers[ShardOf(first, _writers.Length)].Enqueue(spans, summary, spanBytes, stored);
            return;
        }
        if (summary is not null)
        {
            // A list that is not exactly the summary's trace: the summary goes on its own, still to
            // its trace's shard, and the spans are routed as any list.
            var both = AfterAll(stored, 2);
            _writers[ShardOf(summary.TraceId, _writers.Length)].Enqueue([], summary, stored: both);
            Enqueue(spans, summary: null, spanBytes, both);
            return;
        }
        if (single)
        {
            _writers[ShardOf(first, _writers.Length)].Enqueue(spans, null, spanBytes, stored);
            return;
        }
        var perShard = new List<StoredSpan>?[_writers.Length];
        var lists = 0;
        foreach (var span in spans)
        {
            var shard = ShardOf(span.Span.TraceId, _writers.Length);
            if (perShard[shard] is null)
            {
                lists++;
            }
            (perShard[shard] ??= []).Add(span);
        }
        // One share per shard the spans go to, all taken before the first shard can give its back.
        for (var i = 1; i < lists; i++)
        {
            spanBytes?.Retain();
        }
        var each = AfterAll(stored, lists);
        for (var shard = 0; shard < perShard.Length; shard++)
        {
            if (perShard[shard] is { } list)
            {
                _writers[shard].Enqueue(list, null, spanBytes, each);
            }
        }
    }

    /// <summary>A callback for each of <paramref name="parts"/> writes, calling <paramref name="stored"/> once all have been.</summary>
    private static WhenStored AfterAll(WhenStored stored, int parts)
    {
        if (stored.IsNothing || parts <= 1)
        {
            return stored;
        }
        // A trace split over shards is rare (late spans of several traces in one list): a closure is fine here.
        var left = parts;
        return WhenStored.Call(() =>
        {
            if (Interlocked.Decrement(ref left) == 0)
            {
                stored.Invoke();
            }
        });
    }

    /// <summary>Asks every shard's store for its stats at once; a failing shard is reported, not thrown.</summary>
    public async Task<ShardedStorageStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(Shards.Select(async shard =>
        {
            try
            {
                return new ShardStorageStats(shard.Name, await shard.Store.GetStatsAsync(cancellationToken).ConfigureAwait(false), null);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return new ShardStorageStats(shard.Name, null, e.Message);
            }
        })).ConfigureAwait(false);
        return new ShardedStorageStats(answers);
    }

    /// <summary>
    /// Stops accepting spans and waits until every shard wrote its pending rows. Cancelling gives
    /// up on shards that stay down (see <see cref="StorageWriter.CompleteAsync"/>).
    /// </summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (Retention is { } retention)
        {
            await retention.StopAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_writers.Select(w => w.CompleteAsync(cancellationToken))).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(CompleteAsync());

    private static ShardedStorageWriter Start(
        IMaterializer materializer,
        IReadOnlyList<ISpanStore> stores,
        StorageSettings settings,
        Func<int, string, ISpanStore, StorageWriter> startWriter,
        ILoggingAdapter? retentionLog)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (stores.Count == 0)
        {
            throw new ArgumentException("At least one shard store is required.", nameof(stores));
        }
        var shards = new StorageShard[stores.Count];
        for (var i = 0; i < shards.Length; i++)
        {
            var store = stores[i] ?? throw new ArgumentException($"Shard store {i} is null.", nameof(stores));
            var name = store switch
            {
                ServerSpanStore server => server.Endpoint.ToString(),
                EmbeddedSpanStore => "embedded",
                _ => $"shard-{i}",
            };
            shards[i] = new StorageShard(i, name, store, startWriter(i, name, store));
        }
        var servers = stores.OfType<ServerSpanStore>().ToArray();
        var retention = settings.TtlDays > 0 && servers.Length > 0
            ? PartitionRetention.Start(materializer, servers, settings.RetentionInterval, retentionLog)
            : null;
        return new ShardedStorageWriter(shards, retention);
    }

    private long Sum(Func<StorageWriter, long> counter)
    {
        long sum = 0;
        foreach (var writer in _writers)
        {
            sum += counter(writer);
        }
        return sum;
    }
}
