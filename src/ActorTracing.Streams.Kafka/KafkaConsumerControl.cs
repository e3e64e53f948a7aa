using System.Collections.Concurrent;
using System.Threading.Channels;
using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka;

/// <summary>
/// Owns one Confluent consumer and the dedicated thread that polls it. Everything that touches the
/// consumer (poll, commit, committed/watermark queries, close) runs on that thread, so the consumer
/// is never used concurrently and no Akka dispatcher thread ever blocks on librdkafka.
/// </summary>
internal sealed class KafkaConsumerControl : IConsumerControl
{
    private readonly ConsumerSettings _settings;
    private readonly IReadOnlyList<string> _topics;
    private readonly Channel<CommittableMessage> _channel;
    private readonly ConcurrentQueue<(Action<IConsumer<byte[], byte[]>> Run, Action<Exception> Fail)> _requests = new();
    // Woken by commits/queries/stop so the poll thread serves them without waiting out a poll
    // timeout, and by the stream taking an element when the buffer was full.
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopped;
    private volatile bool _shutdown;
    private volatile IReadOnlyList<PartitionLag> _lag = [];
    private int _started;

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
            RefreshLag(consumer);
            return true;
        });
    }

    public Task<IReadOnlyList<PartitionLag>> QueryLagAsync() => Enqueue(consumer =>
    {
        RefreshLag(consumer);
        return _lag;
    });

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
            consumer = new ConsumerBuilder<byte[], byte[]>(_settings.ToConsumerConfig()).Build();
            consumer.Subscribe(_topics);
            ConsumeResult<byte[], byte[]>? pending = null;
            var nextLagRefresh = DateTime.UtcNow + _settings.LagRefreshInterval;
            while (!_shutdown)
            {
                ServeRequests(consumer);
                if (DateTime.UtcNow >= nextLagRefresh)
                {
                    RefreshLag(consumer);
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

    private void RefreshLag(IConsumer<byte[], byte[]> consumer)
    {
        var assignment = consumer.Assignment;
        if (assignment.Count == 0)
        {
            _lag = [];
            return;
        }
        var timeout = TimeSpan.FromSeconds(5);
        var committed = consumer.Committed(assignment, timeout);
        var lags = new List<PartitionLag>(assignment.Count);
        foreach (var position in committed)
        {
            var watermarks = consumer.QueryWatermarkOffsets(position.TopicPartition, timeout);
            var committedOffset = position.Offset.IsSpecial ? -1 : position.Offset.Value;
            var from = committedOffset >= 0 ? committedOffset : watermarks.Low.Value;
            lags.Add(new PartitionLag(position.Topic, position.Partition.Value, committedOffset, watermarks.High.Value, Math.Max(0, watermarks.High.Value - from)));
        }
        _lag = lags;
    }

    private CommittableMessage ToMessage(ConsumeResult<byte[], byte[]> result) => new(
        result.Topic,
        result.Partition.Value,
        result.Offset.Value,
        result.Message.Key,
        result.Message.Value ?? [],
        result.Message.Timestamp.UtcDateTime,
        new CommittableOffset(result.TopicPartitionOffset, this));
}
