using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ActorTracing.Streams.Kafka;

/// <summary>
/// Owns one Confluent consumer and the dedicated thread that polls it. Everything that touches the
/// consumer (poll, commit, close) runs on that thread, so the consumer is never used concurrently
/// and no Akka dispatcher thread ever blocks on librdkafka.
/// </summary>
/// <remarks>
/// Lag is asked of the broker through an admin client that shares the consumer's librdkafka handle
/// (so its connections and security settings), and nothing waits for the answer on the poll
/// thread: a broker answers one connection's requests in order, so an offsets query sent while the
/// consumer is caught up waits behind the idle long-poll Fetch (up to fetch.wait.max.ms, 500 ms by
/// default). Waited for on the poll thread, one partition at a time, that held polling and commits
/// for seconds per refresh on a many-partition topic. The watermarks librdkafka caches from fetch
/// responses would cost nothing, but they stop moving exactly when lag matters: once the stream
/// falls behind and librdkafka's local queue is full, it stops fetching and the cached high
/// watermark freezes while producers go on.
/// </remarks>
internal sealed class KafkaConsumerControl : IConsumerControl
{
    // librdkafka fails a lag request not answered within this; a periodic refresh is then tried
    // again at the next interval.
    private static readonly TimeSpan LagQueryTimeout = TimeSpan.FromSeconds(5);

    private readonly ConsumerSettings _settings;
    private readonly IReadOnlyList<string> _topics;
    private readonly Channel<CommittableMessage> _channel;
    private readonly ConcurrentQueue<(Action<IConsumer<byte[], byte[]>> Run, Action<Exception> Fail)> _requests = new();
    // Woken by commits/queries/stop so the poll thread serves them without waiting out a poll
    // timeout, and by the stream taking an element when the buffer was full.
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Cancelled when the consumer closes: disposing the admin client drops the requests it has not
    // answered yet, so a lag query waiting for them would never end otherwise.
    private readonly CancellationTokenSource _closing = new();
    private readonly Lock _lagGate = new();
    private volatile bool _stopped;
    private volatile bool _shutdown;
    private volatile IReadOnlyList<PartitionLag> _lag = [];
    private int _started;
    // Poll thread only: the admin client is created and disposed there and every lag query is
    // started there, so no query can be sent through an admin client being disposed.
    private IAdminClient? _admin;
    private IsolationLevel _isolation;
    private long _lagQueriesStarted;
    private bool _lagRefreshDue;
    // Under _lagGate: which query's answer _lag holds.
    private long _lagPublished;
    // Stopwatch timestamp of that answer (0 before the first), written under _lagGate and read
    // without it for LagAge.
    private long _lagAnsweredAt;

    public KafkaConsumerControl(ConsumerSettings settings, IReadOnlyList<string> topics)
    {
        _settings = settings;
        _topics = topics;
        // SingleWriter: only the poll thread writes. Bounded: a full buffer is what stops polling.
        _channel = Channel.CreateBounded<CommittableMessage>(new BoundedChannelOptions(Math.Max(1, settings.BufferSize))
        {
            SingleWriter = true,
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<CommittableMessage> Reader => _channel.Reader;

    public IReadOnlyList<PartitionLag> Lag => _lag;

    public TimeSpan? LagAge => Interlocked.Read(ref _lagAnsweredAt) is var at and not 0 ? Stopwatch.GetElapsedTime(at) : null;

    public Task Completion => _completion.Task;

    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("A committable source runs one consumer and can be materialized only once.");
        }
        var thread = new Thread(Run)
        {
            IsBackground = true,
            Name = $"kafka-consumer-{_settings.GroupId}",
        };
        thread.Start();
    }

    public Task CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        if (offsets.Count == 0)
        {
            return Task.CompletedTask;
        }
        return Enqueue(consumer =>
        {
            consumer.Commit(offsets);
            // The snapshot follows commits, but through the next refresh of the poll loop: a
            // commit's reply waits for no lag query.
            _lagRefreshDue = true;
            return true;
        });
    }

    public async Task<IReadOnlyList<PartitionLag>> QueryLagAsync()
    {
        var query = await Enqueue(QueryLagFromPollThreadAsync).ConfigureAwait(false);
        return await query.ConfigureAwait(false);
    }

    public void Stop()
    {
        _stopped = true;
        _wake.Release();
    }

    public Task ShutdownAsync()
    {
        _stopped = true;
        _shutdown = true;
        _wake.Release();
        if (Volatile.Read(ref _started) == 0)
        {
            _channel.Writer.TryComplete();
            _completion.TrySetResult();
        }
        return _completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await ShutdownAsync().ConfigureAwait(false);
        _wake.Dispose();
    }

    private Task<T> Enqueue<T>(Func<IConsumer<byte[], byte[]>, T> request)
    {
        var reply = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_completion.Task.IsCompleted)
        {
            reply.SetException(new ObjectDisposedException(nameof(KafkaConsumerControl), "the consumer is closed"));
            return reply.Task;
        }
        _requests.Enqueue((
            consumer =>
            {
                try
                {
                    reply.TrySetResult(request(consumer));
                }
                catch (Exception ex)
                {
                    reply.TrySetException(ex);
                }
            },
            error => reply.TrySetException(error)));
        _wake.Release();
        return reply.Task;
    }

    private void Run()
    {
        IConsumer<byte[], byte[]>? consumer = null;
        try
        {
            var config = _settings.ToConsumerConfig();
            // The watermark the consumer reads up to: the last stable offset under read_committed.
            _isolation = config.IsolationLevel ?? IsolationLevel.ReadCommitted;
            var builder = new ConsumerBuilder<byte[], byte[]>(config);
            if (_settings.OnLog is { } log)
            {
                builder.SetLogHandler((_, message) => log(message))
                    .SetErrorHandler((_, error) => log(new LogMessage(config.ClientId ?? "rdkafka", error.IsFatal ? SyslogLevel.Critical : SyslogLevel.Error, "ERROR", $"{error.Code}: {error.Reason}")));
            }
            consumer = builder.Build();
            _admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            consumer.Subscribe(_topics);
            ConsumeResult<byte[], byte[]>? pending = null;
            var nextLagRefresh = DateTime.UtcNow + _settings.LagRefreshInterval;
            Task lagRefresh = Task.CompletedTask;
            while (!_shutdown)
            {
                ServeRequests(consumer);
                // One periodic query at a time: commits that arrive while one is out make one more
                // once it has answered, not one each.
                if ((_lagRefreshDue || DateTime.UtcNow >= nextLagRefresh) && lagRefresh.IsCompleted)
                {
                    _lagRefreshDue = false;
                    lagRefresh = RefreshLagAsync(consumer);
                    nextLagRefresh = DateTime.UtcNow + _settings.LagRefreshInterval;
                }
                if (_stopped)
                {
                    _channel.Writer.TryComplete();
                    _wake.Wait(_settings.PollTimeout);
                    continue;
                }
                if (pending is not null)
                {
                    if (!_channel.Writer.TryWrite(ToMessage(pending)))
                    {
                        // The stream is behind: fetch nothing more until it takes a record. Polling
                        // resumes within one poll timeout of space appearing.
                        _wake.Wait(_settings.PollTimeout);
                        continue;
                    }
                    pending = null;
                }
                pending = consumer.Consume(_settings.PollTimeout);
            }
            ServeRequests(consumer);
            _channel.Writer.TryComplete();
            CloseLagQueries();
            consumer.Close();
            FailRequests(new ObjectDisposedException(nameof(KafkaConsumerControl), "the consumer is closed"));
            _completion.TrySetResult();
        }
        catch (Exception ex)
        {
            _channel.Writer.TryComplete(ex);
            FailRequests(ex);
            _completion.TrySetException(ex);
            // Dispose alone does not leave the group: the broker would hold this member's
            // partitions back from a replacement consumer for the whole session timeout. After
            // the completion, so a close that waits on an unreachable coordinator delays no one.
            try
            {
                CloseLagQueries();
            }
            catch (Exception)
            {
                // Best effort, like the close below, which must still run.
            }
            try
            {
                consumer?.Close();
            }
            catch (Exception)
            {
                // Best effort: the error may have taken the consumer down with it, and an
                // exception escaping this thread would end the process.
            }
        }
        finally
        {
            consumer?.Dispose();
        }
    }

    private void ServeRequests(IConsumer<byte[], byte[]> consumer)
    {
        while (_requests.TryDequeue(out var request))
        {
            request.Run(consumer);
        }
    }

    private void FailRequests(Exception error)
    {
        // A request queued while the consumer closed would otherwise wait forever.
        while (_requests.TryDequeue(out var request))
        {
            request.Fail(error);
        }
    }

    /// <summary>
    /// Asks the broker for the committed offsets and the watermarks of the assigned partitions and
    /// publishes the answer as <see cref="Lag"/> (unless a query started later answered first).
    /// Called on the poll thread, which it leaves at its first await: reading the assignment and
    /// sending the three requests happen there and block on nothing; the answers are awaited on
    /// the thread pool.
    /// </summary>
    private async Task<IReadOnlyList<PartitionLag>> QueryLagFromPollThreadAsync(IConsumer<byte[], byte[]> consumer)
    {
        var stamp = ++_lagQueriesStarted;
        var assignment = consumer.Assignment;
        if (assignment.Count == 0)
        {
            Publish(stamp, []);
            return [];
        }
        var admin = _admin ?? throw new ObjectDisposedException(nameof(KafkaConsumerControl), "the consumer is closed");
        var committedQuery = admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(_settings.GroupId, assignment)],
            new ListConsumerGroupOffsetsOptions { RequestTimeout = LagQueryTimeout, RequireStableOffsets = _isolation == IsolationLevel.ReadCommitted });
        // Two requests because one may not name a partition twice; the low watermark is needed only
        // where the group has committed nothing, but asking every time keeps this one round trip.
        var lowQuery = admin.ListOffsetsAsync(Specs(assignment, OffsetSpec.Earliest()), new ListOffsetsOptions { RequestTimeout = LagQueryTimeout, IsolationLevel = _isolation });
        var highQuery = admin.ListOffsetsAsync(Specs(assignment, OffsetSpec.Latest()), new ListOffsetsOptions { RequestTimeout = LagQueryTimeout, IsolationLevel = _isolation });
        try
        {
            // ForceYielding: the admin client completes its tasks on its own callback thread, and
            // the close cancels on the poll thread; neither should run the rest of this, nor a
            // caller's continuation.
            await Task.WhenAll(committedQuery, lowQuery, highQuery).WaitAsync(_closing.Token).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(KafkaConsumerControl), "the consumer closed before the broker answered the lag query");
        }
        var committed = (await committedQuery.ConfigureAwait(false)).Single().Partitions.ToDictionary(p => p.TopicPartition);
        var low = Offsets(await lowQuery.ConfigureAwait(false));
        var high = Offsets(await highQuery.ConfigureAwait(false));
        var lags = new List<PartitionLag>(assignment.Count);
        foreach (var partition in assignment)
        {
            var position = committed[partition];
            if (position.Error.IsError)
            {
                throw new KafkaException(position.Error);
            }
            var committedOffset = position.Offset.IsSpecial ? -1 : position.Offset.Value;
            var from = committedOffset >= 0 ? committedOffset : low[partition];
            lags.Add(new PartitionLag(partition.Topic, partition.Partition.Value, committedOffset, high[partition], Math.Max(0, high[partition] - from)));
        }
        Publish(stamp, lags);
        return lags;
    }

    /// <summary>
    /// The periodic refresh: a failed query leaves the previous snapshot in place until the next
    /// one, and goes to <see cref="ConsumerSettings.OnLagRefresh"/> so that staying in place is seen.
    /// </summary>
    private async Task RefreshLagAsync(IConsumer<byte[], byte[]> consumer)
    {
        Exception? failure = null;
        try
        {
            await QueryLagFromPollThreadAsync(consumer).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Lag only feeds /metrics: a query that fails must not end the stream (consumption
            // and commits report their own broker errors).
            failure = ex;
        }
        // A query cut short by the close says nothing about the broker.
        if (!_closing.IsCancellationRequested)
        {
            _settings.OnLagRefresh?.Invoke(failure);
        }
    }

    private void Publish(long stamp, IReadOnlyList<PartitionLag> lags)
    {
        // An explicit query may run beside the periodic one and answer out of order: an older
        // answer must not replace a newer one.
        lock (_lagGate)
        {
            if (stamp > _lagPublished)
            {
                _lagPublished = stamp;
                _lag = lags;
                Interlocked.Exchange(ref _lagAnsweredAt, Stopwatch.GetTimestamp());
            }
        }
    }

    private void CloseLagQueries()
    {
        _closing.Cancel();
        var admin = _admin;
        _admin = null;
        // Before the consumer closes: the admin client's result queue lives on the consumer's handle.
        admin?.Dispose();
    }

    private static List<TopicPartitionOffsetSpec> Specs(List<TopicPartition> partitions, OffsetSpec spec) =>
        partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = spec }).ToList();

    private static Dictionary<TopicPartition, long> Offsets(ListOffsetsResult result) =>
        result.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.TopicPartition, r => r.TopicPartitionOffsetError.Offset.Value);

    private CommittableMessage ToMessage(ConsumeResult<byte[], byte[]> result) => new(
        result.Topic,
        result.Partition.Value,
        result.Offset.Value,
        result.Message.Key,
        result.Message.Value ?? [],
        result.Message.Timestamp.UtcDateTime,
        new CommittableOffset(result.TopicPartitionOffset, this));
}
