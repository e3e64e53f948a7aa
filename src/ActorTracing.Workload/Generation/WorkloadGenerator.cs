using System.Threading.Channels;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Workload;

/// <summary>
/// Drives a node with the edge-platform workload: one producer runs the <see cref="WorkloadScheduler"/>
/// on the clock and queues ready requests; <see cref="WorkloadOptions.Concurrency"/> workers send
/// them (encoding first when they are not replayed templates, which come encoded). Progress is
/// readable at any time through <see cref="Counters"/>.
/// </summary>
/// <remarks>
/// With a sender that can block (<see cref="IBlockingOtlpSender"/>: the HTTP and gRPC senders on
/// cleartext endpoints) the workers are dedicated threads, so sending involves no thread-pool work at all;
/// otherwise they are async workers on the thread pool.
/// </remarks>
public sealed class WorkloadGenerator : IDisposable
{
    private static readonly TimeSpan FullQueuePoll = TimeSpan.FromMilliseconds(1);

    // Shortest producer sleep. The next trace is due every few tens of microseconds at 100k+
    // spans/s; waking for each would spend the generator's CPU on wake-ups on a machine it shares
    // with the node. 200 µs bounds how late a ready batch is handed to a sender (counted in its ack
    // latency) at ≤ 5,000 wake-ups a second.
    private const long PacingQuantumNanos = 200_000;

    private readonly WorkloadOptions _options;
    private readonly IOtlpSender _sender;
    private readonly bool _ownsSender;
    private readonly IWorkloadClock _clock;
    private readonly Action<TraceGroundTruth>? _onTrace;
    private int _started;

    /// <param name="onTrace">Receives every trace's ground truth on the producer thread; keep it cheap.</param>
    public WorkloadGenerator(WorkloadOptions options, IOtlpSender sender, IWorkloadClock? clock = null, Action<TraceGroundTruth>? onTrace = null)
        : this(options, sender, ownsSender: false, clock, onTrace)
    {
    }

    private WorkloadGenerator(WorkloadOptions options, IOtlpSender sender, bool ownsSender, IWorkloadClock? clock, Action<TraceGroundTruth>? onTrace)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sender);
        options.Validate();
        _options = options;
        _sender = sender;
        _ownsSender = ownsSender;
        _clock = clock ?? SystemWorkloadClock.Instance;
        _onTrace = onTrace;
    }

    public WorkloadCounters Counters { get; } = new();

    public IOtlpSender Sender => _sender;

    public WorkloadOptions Options => _options;

    /// <summary>A generator with its own sender for <paramref name="protocol"/>, disposed with it.</summary>
    public static WorkloadGenerator Create(WorkloadOptions options, OtlpProtocol protocol, OtlpSenderOptions senderOptions, Action<TraceGroundTruth>? onTrace = null)
    {
        IOtlpSender sender = protocol == OtlpProtocol.Grpc ? new OtlpGrpcSender(senderOptions) : new OtlpHttpSender(senderOptions);
        return new WorkloadGenerator(options, sender, ownsSender: true, clock: null, onTrace);
    }

    /// <summary>
    /// Runs until <see cref="WorkloadOptions.Duration"/> has passed or <paramref name="cancellationToken"/>
    /// fires, then sends what is queued (for up to <see cref="WorkloadOptions.DrainTimeout"/>) and
    /// returns the summary. Cancellation is a normal way to end a run, not an error.
    /// </summary>
    public async Task<WorkloadSummary> RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A WorkloadGenerator runs once; create another for a new run.");
        }
        // Templates are generated before the clock starts: building them is not part of the load.
        var templates = _options.TraceTemplates > 0 ? TraceTemplatePool.Generate(_options.Seed, _options.TraceTemplates, _options.Traffic) : null;
        var runStart = _clock.NowNanos;
        var scheduler = templates is not null
            ? new WorkloadScheduler(templates, _options.Seed, _options.TargetSpansPerSecond, _options.BatchSpans, _options.MaxBatchDelay, _clock.UnixNowNanos, Counters, _onTrace, _options.RequestBuffers)
            : new WorkloadScheduler(new EdgeTrafficModel(_options.Seed, _options.Traffic), _options.TargetSpansPerSecond, _options.BatchSpans, _options.MaxBatchDelay, _clock.UnixNowNanos, Counters, _onTrace);
        using var sendCancellation = new CancellationTokenSource();
        var workers = _sender is IBlockingOtlpSender { CanSendBlocking: true } blocking
            ? StartBlockingWorkers(blocking, runStart, sendCancellation.Token)
            : StartAsyncWorkers(runStart, sendCancellation.Token);

        var durationNanos = _options.Duration is { } duration ? duration.Ticks * 100 : long.MaxValue;
        var ready = new List<WorkloadBatch>(64);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = _clock.NowNanos - runStart;
                if (now >= durationNanos)
                {
                    break;
                }
                ready.Clear();
                scheduler.Advance(now, ready);
                for (var i = 0; i < ready.Count; i++)
                {
                    await workers.EnqueueAsync(ready[i], cancellationToken).ConfigureAwait(false);
                }
                var wait = Math.Min(scheduler.NextWakeNanos, durationNanos) - (_clock.NowNanos - runStart);
                if (wait > 0)
                {
                    await _clock.DelayAsync(TimeSpan.FromTicks(Math.Max(wait, PacingQuantumNanos) / 100), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is how an open-ended run ends; what was generated is still sent below.
        }

        sendCancellation.CancelAfter(_options.DrainTimeout);
        try
        {
            ready.Clear();
            scheduler.Flush(Math.Min(_clock.NowNanos - runStart, durationNanos), ready);
            for (var i = 0; i < ready.Count; i++)
            {
                await workers.EnqueueAsync(ready[i], sendCancellation.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The drain timed out with the queue still full; those spans are reported unsent.
        }
        workers.Complete();
        await workers.Done.ConfigureAwait(false);

        var elapsed = TimeSpan.FromTicks(Math.Min(_clock.NowNanos - runStart, durationNanos) / 100);
        return WorkloadSummary.From(Counters, elapsed, _options.TargetSpansPerSecond);
    }

    public void Dispose()
    {
        if (_ownsSender)
        {
            _sender.Dispose();
        }
    }

    /// <summary>Sends one batch (encoding it first if needed), recording its latency from the intended send time.</summary>
    internal async Task ProcessAsync(WorkloadBatch batch, ProtoWriter writer, long runStartNanos, CancellationToken cancellationToken)
    {
        OtlpSendResult result;
        try
        {
            result = await _sender.SendAsync(PayloadOf(batch, writer), cancellationToken).ConfigureAwait(false);
            // The sender returned, so it reads the request no more; after a throw it may (an
            // aborted write), and the array is left to the GC instead.
            batch.ReturnPayload();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A sender bug or an unexpected transport failure must not stop the run nor lose the
            // batch silently: it is counted failed like a refused request. That includes a
            // cancellation the run did not ask for (a transport's own timeout): escaping, it ended
            // the worker, and once every worker had ended the producer waited forever on a full
            // queue (a gRPC run against an HTTP/1.1-only port hung that way).
            result = new OtlpSendResult(false, 1, 0, 0, ex.GetType().Name + ": " + ex.Message);
        }
        Record(batch, result, runStartNanos);
    }

    /// <summary><see cref="ProcessAsync"/> on the calling (dedicated sender) thread.</summary>
    internal void Process(WorkloadBatch batch, IBlockingOtlpSender sender, ProtoWriter writer, long runStartNanos, CancellationToken cancellationToken)
    {
        OtlpSendResult result;
        try
        {
            result = sender.Send(PayloadOf(batch, writer), cancellationToken);
            batch.ReturnPayload();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            result = new OtlpSendResult(false, 1, 0, 0, ex.GetType().Name + ": " + ex.Message);
        }
        Record(batch, result, runStartNanos);
    }

    private static ReadOnlyMemory<byte> PayloadOf(WorkloadBatch batch, ProtoWriter writer)
    {
        if (batch.IsEncoded)
        {
            return batch.Payload;
        }
        OtlpEncoder.EncodeRequest(batch.ResourceSpans, writer);
        return writer.WrittenMemory;
    }

    private void Record(WorkloadBatch batch, OtlpSendResult result, long runStartNanos)
    {
        if (!result.Success)
        {
            Counters.LastError = result.Error;
        }
        var ackLatencyMicros = (_clock.NowNanos - runStartNanos - batch.IntendedNanos) / 1000;
        var warmingUp = batch.IntendedNanos < _options.WarmUp.Ticks * 100;
        Counters.OnResult(batch.SpanCount, result, warmingUp ? null : ackLatencyMicros);
        if (result.Success && !warmingUp)
        {
            Counters.SlowestAcks.Offer(ackLatencyMicros, _clock);
        }
    }

    private Workers StartAsyncWorkers(long runStartNanos, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<WorkloadBatch>(new BoundedChannelOptions(_options.MaxQueuedRequests)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var tasks = new Task[_options.Concurrency];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = Task.Run(() => WorkerAsync(queue.Reader, runStartNanos, cancellationToken), CancellationToken.None);
        }
        return new Workers(queue.Writer.WriteAsync, () => queue.Writer.Complete(), Task.WhenAll(tasks));
    }

    private Workers StartBlockingWorkers(IBlockingOtlpSender sender, long runStartNanos, CancellationToken cancellationToken)
    {
        var queue = new BlockingSendQueue(_options.MaxQueuedRequests);
        var stopped = cancellationToken.Register(static q => ((BlockingSendQueue)q!).Cancel(), queue);
        var done = new Task[_options.Concurrency];
        for (var i = 0; i < done.Length; i++)
        {
            var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done[i] = exited.Task;
            var thread = new Thread(() => BlockingWorker(queue, sender, runStartNanos, cancellationToken, exited))
            {
                IsBackground = true,
                Name = "workload-sender-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            thread.Start();
        }
        async ValueTask EnqueueAsync(WorkloadBatch batch, CancellationToken token)
        {
            // The producer never blocks its thread (it runs on the pacing timer's): a full queue
            // means the node is behind the schedule, and that wait already shows in ack latency,
            // which is measured from intended send times, so polling every millisecond biases nothing.
            while (!queue.TryAdd(batch))
            {
                await _clock.DelayAsync(FullQueuePoll, token).ConfigureAwait(false);
            }
        }
        async Task ExitedAsync()
        {
            try
            {
                await Task.WhenAll(done).ConfigureAwait(false);
            }
            finally
            {
                await stopped.DisposeAsync().ConfigureAwait(false);
            }
        }
        return new Workers(EnqueueAsync, queue.Complete, ExitedAsync());
    }

    private void BlockingWorker(BlockingSendQueue queue, IBlockingOtlpSender sender, long runStartNanos, CancellationToken cancellationToken, TaskCompletionSource exited)
    {
        // One writer per thread, reused: a batch is sent before the next is encoded.
        var writer = new ProtoWriter(64 * 1024);
        try
        {
            while (queue.TryTake(out var batch))
            {
                Process(batch, sender, writer, runStartNanos, cancellationToken);
            }
            exited.TrySetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Drain timeout: the spans not acknowledged are reported as unsent by the summary.
            exited.TrySetResult();
        }
        catch (Exception ex)
        {
            exited.TrySetException(ex);
        }
    }

    private async Task WorkerAsync(ChannelReader<WorkloadBatch> queue, long runStartNanos, CancellationToken cancellationToken)
    {
        // One writer per worker: the payload must stay intact until the send completes, and the
        // worker awaits each send before encoding the next, so reuse is safe and allocation-free.
        var writer = new ProtoWriter(64 * 1024);
        try
        {
            await foreach (var batch in queue.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await ProcessAsync(batch, writer, runStartNanos, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Drain timeout: the spans not acknowledged are reported as unsent by the summary.
        }
    }

    /// <summary>How the producer hands batches to the running workers, and how it ends them.</summary>
    private sealed record Workers(Func<WorkloadBatch, CancellationToken, ValueTask> EnqueueAsync, Action Complete, Task Done);
}
