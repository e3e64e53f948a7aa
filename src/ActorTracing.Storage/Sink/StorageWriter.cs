using System.Diagnostics;
using System.Threading.Channels;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorTracing.Storage;

/// <summary>
/// The batching sink between trace actors and a <see cref="ISpanStore"/>. Actors hand over kept
/// spans with <see cref="Enqueue"/>, which never blocks and never drops (an unbounded channel);
/// an Akka.Streams graph groups them into batches of at most <see cref="StorageSettings.BatchSize"/>
/// rows or <see cref="StorageSettings.FlushInterval"/> of waiting, encodes each batch to RowBinary
/// and writes it — one batch at a time, so batches land in order and one encode buffer serves all.
/// A failed write is retried with exponential backoff forever: storage being down must show up as
/// growing <see cref="PendingRows"/> (ingest throttles on it), never as lost spans.
/// </summary>
public sealed class StorageWriter : IAsyncDisposable
{
    private readonly Channel<IReadOnlyList<StoredSpan>> _channel =
        Channel.CreateUnbounded<IReadOnlyList<StoredSpan>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly CancellationTokenSource _abort = new();
    private readonly SpanRowEncoder _encoder;
    private readonly ISpanStore _store;
    private readonly StorageSettings _settings;
    private readonly ILoggingAdapter _log;

    private long _pendingRows;
    private long _rowsWritten;
    private long _batchesWritten;
    private long _writeRetries;
    private long _failedAttempts;
    private long _unencodableSpans;
    private long _lastWriteLatencyTicks;
    private long _totalWriteLatencyTicks;
    private string? _lastError;

    private StorageWriter(ISpanStore store, StorageSettings settings, ILoggingAdapter log)
    {
        _store = store;
        _encoder = new SpanRowEncoder(flavor: store.Flavor);
        _settings = settings;
        _log = log;
        Completion = Task.CompletedTask;
    }

    /// <summary>Spans enqueued and not yet written (nor given up as unencodable). Ingest backpressures on this.</summary>
    public long PendingRows => Interlocked.Read(ref _pendingRows);

    public long RowsWritten => Interlocked.Read(ref _rowsWritten);

    public long BatchesWritten => Interlocked.Read(ref _batchesWritten);

    /// <summary>Write attempts that repeated a failed one.</summary>
    public long WriteRetries => Interlocked.Read(ref _writeRetries);

    /// <summary>Write attempts that threw.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Spans whose raw bytes could not be decoded; the only spans the writer does not store (and it logs each).</summary>
    public long UnencodableSpans => Interlocked.Read(ref _unencodableSpans);

    /// <summary>The message of the most recent failed attempt, null until one fails.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Duration of the last successful store call, in milliseconds.</summary>
    public double LastWriteLatencyMs => TimeSpan.FromTicks(Interlocked.Read(ref _lastWriteLatencyTicks)).TotalMilliseconds;

    /// <summary>Mean duration of successful store calls, in milliseconds (0 before the first).</summary>
    public double AverageWriteLatencyMs
    {
        get
        {
            var batches = BatchesWritten;
            return batches == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _totalWriteLatencyTicks) / batches).TotalMilliseconds;
        }
    }

    /// <summary>Completes when the stream has written everything and stopped (or faults when aborted).</summary>
    public Task Completion { get; private set; }

    /// <summary>Starts a writer on the system's default materializer, logging through the system's log.</summary>
    public static StorageWriter Start(ActorSystem system, ISpanStore store, StorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(system);
        return Start(system.Materializer(), store, settings, Logging.GetLogger(system, typeof(StorageWriter)));
    }

    public static StorageWriter Start(IMaterializer materializer, ISpanStore store, StorageSettings settings, ILoggingAdapter? log = null)
    {
        ArgumentNullException.ThrowIfNull(materializer);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var writer = new StorageWriter(store, settings, log ?? NoLogger.Instance);
        writer.Completion = ChannelSource.FromReader(writer._channel.Reader)
            .GroupedWeightedWithin(settings.BatchSize, settings.FlushInterval, spans => spans.Count)
            .SelectAsync(1, writer.WriteBatchAsync)
            .RunWith(Sink.Ignore<NotUsed>(), materializer);
        return writer;
    }

    /// <summary>
    /// Hands kept spans (typically one trace's) to storage. Never blocks, never drops; safe from
    /// any thread. The list must not be changed afterwards.
    /// </summary>
    /// <exception cref="InvalidOperationException">The writer was completed.</exception>
    public void Enqueue(IReadOnlyList<StoredSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        if (spans.Count == 0)
        {
            return;
        }
        // Counted before the write so the stream can never subtract rows not yet added.
        Interlocked.Add(ref _pendingRows, spans.Count);
        if (!_channel.Writer.TryWrite(spans))
        {
            Interlocked.Add(ref _pendingRows, -spans.Count);
            throw new InvalidOperationException("The storage writer is stopped; spans can no longer be enqueued.");
        }
    }

    /// <summary>
    /// Stops accepting spans and waits until every pending row is written. Cancelling
    /// <paramref name="cancellationToken"/> abandons the retries of a store that stays down; the
    /// rows still pending are then lost, and the log says how many.
    /// </summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        _channel.Writer.TryComplete();
        await using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort).ConfigureAwait(false))
        {
            try
            {
                await Completion.ConfigureAwait(false);
            }
            catch (Exception e) when (_abort.IsCancellationRequested)
            {
                // The abort surfaces as whatever the interrupted attempt threw; all mean the same here.
                _log.Error(e, "Storage writer stopped before writing {0} pending rows: the stop was cancelled while the store kept failing (last error: {1})", PendingRows, LastError);
            }
        }
    }

    public ValueTask DisposeAsync() => new(CompleteAsync());

    private Task<NotUsed> WriteBatchAsync(IEnumerable<IReadOnlyList<StoredSpan>> batch) =>
        // Off the stream's thread: encoding is CPU work and the embedded store blocks in native code.
        Task.Run(() => EncodeAndWriteAsync(batch));

    private async Task<NotUsed> EncodeAndWriteAsync(IEnumerable<IReadOnlyList<StoredSpan>> batch)
    {
        var spans = Encode(batch);
        var rows = _encoder.Rows;
        var backoff = _settings.MinRetryBackoff;
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await _store.WriteAsync(_encoder.Written, rows, _abort.Token).ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started).Ticks;
                Interlocked.Exchange(ref _lastWriteLatencyTicks, elapsed);
                Interlocked.Add(ref _totalWriteLatencyTicks, elapsed);
                Interlocked.Add(ref _rowsWritten, rows);
                Interlocked.Increment(ref _batchesWritten);
                Interlocked.Add(ref _pendingRows, -spans);
                return NotUsed.Instance;
            }
            catch (Exception e) when (!_abort.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failedAttempts);
                Volatile.Write(ref _lastError, e.Message);
                _log.Warning(e, "Storing a batch of {0} rows failed (attempt {1}); retrying in {2} ms. {3} rows pending.", rows, attempt, backoff.TotalMilliseconds, PendingRows);
            }
            await Task.Delay(backoff, _abort.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _writeRetries);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.MaxRetryBackoff.Ticks));
        }
    }

    /// <summary>Encodes a batch into the shared encoder; returns the spans it accounted for.</summary>
    private int Encode(IEnumerable<IReadOnlyList<StoredSpan>> batch)
    {
        _encoder.Reset();
        var spans = 0;
        foreach (var trace in batch)
        {
            foreach (var stored in trace)
            {
                spans++;
                try
                {
                    _encoder.Append(stored);
                }
                catch (Exception e)
                {
                    // A span that cannot be decoded can never be written; retrying would stall every
                    // later batch behind it. Its row is skipped (the encoder appends nothing on throw
                    // before the first field) and counted.
                    Interlocked.Increment(ref _unencodableSpans);
                    Interlocked.Decrement(ref _pendingRows);
                    spans--;
                    _log.Error(e, "Span {0} of trace {1} could not be encoded for storage and is skipped", stored.Span.SpanId, stored.Span.TraceId);
                }
            }
        }
        return spans;
    }
}
