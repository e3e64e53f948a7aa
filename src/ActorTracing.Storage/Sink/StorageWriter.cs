using ActorTracing.Domain;
using System.Buffers;
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
/// an Akka.Streams graph encodes each trace to RowBinary as soon as it is dequeued (into reused
/// <see cref="RowBlocks"/>, so a trace waits for its batch as bytes, not as objects the GC must
/// promote), groups them into batches of at most <see cref="StorageSettings.BatchSize"/> rows or
/// <see cref="StorageSettings.FlushInterval"/> of waiting, and writes each batch — one at a time,
/// so batches land in order and one batch buffer serves all.
/// A failed write is retried with exponential backoff forever: storage being down must show up as
/// growing <see cref="PendingRows"/> (ingest throttles on it), never as lost spans.
/// A kept trace's <see cref="StoredTraceSummary"/> travels in the same channel item as its spans, so
/// it lands in the same batch and store; the batch's summaries are a second INSERT (into
/// otel_trace_summaries) after its spans, retried the same way. Summaries do not count toward
/// batch-size, but as every item weighs at least 1 and carries at most one summary, a summaries
/// insert never has more rows than batch-size either. The spans written with a summary carry its
/// completion reason; a store that says so (<see cref="ISpanStore.OmitsDerivableSummaries"/>) gets
/// no summary row when the span rows alone rebuild it (<see cref="DerivableSummaries"/>).
/// </summary>
public sealed class StorageWriter : IAsyncDisposable
{
    private readonly Channel<PendingTrace> _channel =
        Channel.CreateUnbounded<PendingTrace>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly CancellationTokenSource _abort = new();
    // Used by the stream's encode stage only (one trace at a time).
    private readonly SpanRowEncoder _encoder;
    private readonly TraceSummaryRowEncoder _summaryEncoder;
    private readonly RowBlocks _blocks = new();

    // The encoded traces waiting for their batch, in stream order. The stream groups only their
    // weights: grouping the structs themselves made a fresh array per batch, grown by doubling to
    // thousands of 72-byte items — at 320k spans/s ~0.33 MB/s on the large object heap, whose
    // budget's overrun starts a background full collection. A group of N weights is the next N
    // traces here (the stream keeps their order and groups every one). Added by the encode stage,
    // taken by the batch write, on other threads; the queue's array grows to the largest batch once.
    private readonly Queue<EncodedTrace> _waiting = new();
    private readonly Lock _waitingGate = new();

    // Used by the batch write only (SelectAsync(1): one at a time).
    private readonly ArrayBufferWriter<byte> _batchRows = new(256 * 1024);
    private readonly ArrayBufferWriter<byte> _batchSummaries = new(16 * 1024);
    // The batch's "stored" callbacks, called once its inserts succeeded (one batch at a time).
    private readonly List<WhenStored> _stored = [];
    private readonly ISpanStore _store;
    private readonly StorageSettings _settings;
    private readonly ILoggingAdapter _log;

    private long _pendingRows;
    private long _rowsWritten;
    private long _batchesWritten;
    private long _writeRetries;
    private long _failedAttempts;
    private long _unencodableSpans;
    private long _pendingSummaries;
    private long _summariesWritten;
    private long _summariesNotStored;
    private long _summariesInSpanRows;
    private long _lastWriteLatencyTicks;
    private long _totalWriteLatencyTicks;
    private string? _lastError;

    private StorageWriter(ISpanStore store, StorageSettings settings, ILoggingAdapter log)
    {
        _store = store;
        _encoder = new SpanRowEncoder(flavor: store.Flavor);
        _summaryEncoder = new TraceSummaryRowEncoder(flavor: store.Flavor);
        _settings = settings;
        _log = log;
        Completion = Task.CompletedTask;
    }

    /// <summary>Spans enqueued and not yet written (nor given up as unencodable). Ingest backpressures on this.</summary>
    public long PendingRows => Interlocked.Read(ref _pendingRows);

    public long RowsWritten => Interlocked.Read(ref _rowsWritten);

    public long BatchesWritten => Interlocked.Read(ref _batchesWritten);

    /// <summary>Write attempts (of spans or summaries) that repeated a failed one.</summary>
    public long WriteRetries => Interlocked.Read(ref _writeRetries);

    /// <summary>Write attempts (of spans or summaries) that threw.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Spans whose raw bytes could not be decoded; the only spans the writer does not store (and it logs each).</summary>
    public long UnencodableSpans => Interlocked.Read(ref _unencodableSpans);

    /// <summary>Trace summaries enqueued and not yet written (nor counted in <see cref="SummariesNotStored"/>).</summary>
    public long PendingSummaries => Interlocked.Read(ref _pendingSummaries);

    /// <summary>Rows written to otel_trace_summaries.</summary>
    public long SummariesWritten => Interlocked.Read(ref _summariesWritten);

    /// <summary>Summaries passed over because the store keeps spans only (<see cref="ISpanStore.StoresSummaries"/> false).</summary>
    public long SummariesNotStored => Interlocked.Read(ref _summariesNotStored);

    /// <summary>
    /// Summaries stored as their span rows alone, without an otel_trace_summaries row: the reader
    /// rebuilds them from those rows (<see cref="ISpanStore.OmitsDerivableSummaries"/>, <see cref="DerivableSummaries"/>).
    /// </summary>
    public long SummariesInSpanRows => Interlocked.Read(ref _summariesInSpanRows);

    /// <summary>The message of the most recent failed attempt, null until one fails.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Time the last batch's successful store calls took (spans, then summaries if any), in milliseconds.</summary>
    public double LastWriteLatencyMs => TimeSpan.FromTicks(Interlocked.Read(ref _lastWriteLatencyTicks)).TotalMilliseconds;

    /// <summary>Mean of <see cref="LastWriteLatencyMs"/> over all batches, in milliseconds (0 before the first).</summary>
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
            .Select(writer.Encode)
            // Weight = span rows, so batch-size still means span rows per insert and a summary rides
            // with its trace (Encode gives a summary-only item 1: a zero weight never closes a batch).
            .GroupedWeightedWithin(settings.BatchSize, settings.FlushInterval, static weight => weight)
            .SelectAsync(1, writer.WriteBatchAsync)
            .RunWith(Sink.Ignore<NotUsed>(), materializer);
        return writer;
    }

    /// <summary>
    /// Hands kept spans (typically one trace's) to storage. Never blocks, never drops; safe from
    /// any thread. The list must not be changed afterwards.
    /// </summary>
    /// <exception cref="InvalidOperationException">The writer was completed.</exception>
    public void Enqueue(IReadOnlyList<StoredSpan> spans) => Enqueue(spans, summary: null);

    /// <summary>
    /// Hands a kept trace's spans and its summary (null for none, e.g. late spans) to storage, to be
    /// written in the same batch. Never blocks, never drops; safe from any thread. The list must not
    /// be changed afterwards.
    /// </summary>
    /// <param name="spanBytes">A share of the pooled buffer the spans' bytes live in (a kept trace's,
    /// <c>TraceBuffer.DetachBytes</c>), or null. Given, the spans are handed over: the writer gives
    /// the share back as soon as they are encoded, and the span objects a <see cref="SpanRecycler"/>
    /// lent back to it, so the caller must not read them after this call. Without it the spans stay
    /// the caller's. If the call throws, everything stays with the caller.</param>
    /// <param name="stored">Called once the rows (and the summary) are written, on the writer's
    /// thread — at once when there is nothing to write; never when they are not written (the
    /// writer stopped first, or its stop gave up on a store that stayed down). The receipts of a
    /// kept trace's spans are owed from here, so their senders keep a copy until a crash can no
    /// longer lose them. Must not throw or block.</param>
    /// <exception cref="InvalidOperationException">The writer was completed.</exception>
    public void Enqueue(IReadOnlyList<StoredSpan> spans, StoredTraceSummary? summary, SharedBuffer? spanBytes = null, WhenStored stored = default)
    {
        ArgumentNullException.ThrowIfNull(spans);
        if (summary is not null)
        {
            // Checked here, on the producer's thread: a summary that failed to encode in the
            // stream would fault it (stopping every later batch), and could never be retried.
            ArgumentNullException.ThrowIfNull(summary.Stitch, nameof(summary));
            ArgumentNullException.ThrowIfNull(summary.Stitch.Regions, nameof(summary));
            ArgumentNullException.ThrowIfNull(summary.Stitch.Edges, nameof(summary));
            ArgumentNullException.ThrowIfNull(summary.Stitch.ArrivalLag, nameof(summary));
        }
        var summaries = summary is null ? 0 : 1;
        if (spans.Count == 0 && summaries == 0)
        {
            spanBytes?.Release();
            stored.Invoke();
            return;
        }
        // Counted before the write so the stream can never subtract rows not yet added.
        Interlocked.Add(ref _pendingRows, spans.Count);
        Interlocked.Add(ref _pendingSummaries, summaries);
        if (!_channel.Writer.TryWrite(new PendingTrace(spans, summary, spanBytes, stored)))
        {
            Interlocked.Add(ref _pendingRows, -spans.Count);
            Interlocked.Add(ref _pendingSummaries, -summaries);
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
                _log.Error(e, "Storage writer stopped before writing {0} pending rows and {1} trace summaries: the stop was cancelled while the store kept failing (last error: {2})", PendingRows, PendingSummaries, LastError);
            }
        }
    }

    public ValueTask DisposeAsync() => new(CompleteAsync());

    private Task<NotUsed> WriteBatchAsync(IEnumerable<int> weights)
    {
        var traces = weights is ICollection<int> group ? group.Count : weights.Count();
        // Off the stream's thread: gathering copies the batch's rows (the store's own call then
        // runs where the store puts it; the embedded engine's on its own thread).
        return Task.Run(() => WriteAsync(traces));
    }

    private async Task<NotUsed> WriteAsync(int traces)
    {
        var (rows, spans, summaries, inSpanRows) = Gather(traces);
        long storeTicks = 0;
        // Spans before summaries: a summary then never describes a trace whose spans are not yet
        // readable. Each insert is retried on its own, so a failing summary insert never stores the
        // batch's spans twice.
        if (rows > 0 || summaries == 0)
        {
            storeTicks += await WriteWithRetriesAsync(_store.WriteAsync, _batchRows.WrittenMemory, rows, "rows").ConfigureAwait(false);
        }
        Interlocked.Add(ref _rowsWritten, rows);
        Interlocked.Add(ref _pendingRows, -spans);
        // Stored with the span rows just written: nothing of them is left pending.
        Interlocked.Add(ref _summariesInSpanRows, inSpanRows);
        Interlocked.Add(ref _pendingSummaries, -inSpanRows);
        if (summaries > 0)
        {
            storeTicks += await WriteWithRetriesAsync(_store.WriteSummariesAsync, _batchSummaries.WrittenMemory, summaries, "trace summaries").ConfigureAwait(false);
            Interlocked.Add(ref _summariesWritten, summaries);
            Interlocked.Add(ref _pendingSummaries, -summaries);
        }
        // Written: what the senders of these traces' spans were keeping for a crash may go.
        foreach (var written in _stored)
        {
            written.Invoke();
        }
        _stored.Clear();
        Interlocked.Exchange(ref _lastWriteLatencyTicks, storeTicks);
        Interlocked.Add(ref _totalWriteLatencyTicks, storeTicks);
        Interlocked.Increment(ref _batchesWritten);
        return NotUsed.Instance;
    }

    /// <summary>Copies the next <paramref name="traces"/> waiting encoded traces into the two insert buffers and frees their blocks.</summary>
    private (int Rows, int Spans, int Summaries, int InSpanRows) Gather(int traces)
    {
        _batchRows.ResetWrittenCount();
        _batchSummaries.ResetWrittenCount();
        int rows = 0, spans = 0, summaries = 0, inSpanRows = 0;
        for (var i = 0; i < traces; i++)
        {
            EncodedTrace trace;
            lock (_waitingGate)
            {
                trace = _waiting.Dequeue();
            }
            _batchRows.Write(trace.Rows.Span);
            _blocks.Release(trace.Rows);
            rows += trace.RowCount;
            spans += trace.Spans;
            inSpanRows += trace.InSpanRows;
            if (!trace.Stored.IsNothing)
            {
                _stored.Add(trace.Stored);
            }
            if (trace.Summary.Length > 0)
            {
                _batchSummaries.Write(trace.Summary.Span);
                _blocks.Release(trace.Summary);
                summaries++;
            }
        }
        return (rows, spans, summaries, inSpanRows);
    }

    /// <summary>Calls <paramref name="write"/> until it succeeds (or the writer is aborted); returns how long the successful call took.</summary>
    private async Task<long> WriteWithRetriesAsync(
        Func<ReadOnlyMemory<byte>, int, CancellationToken, Task> write,
        ReadOnlyMemory<byte> rowBinary,
        int rows,
        string what)
    {
        var backoff = _settings.MinRetryBackoff;
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await write(rowBinary, rows, _abort.Token).ConfigureAwait(false);
                return Stopwatch.GetElapsedTime(started).Ticks;
            }
            catch (Exception e) when (!_abort.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failedAttempts);
                Volatile.Write(ref _lastError, e.Message);
                _log.Warning(e, "Storing a batch of {0} {1} failed (attempt {2}); retrying in {3} ms. {4} rows and {5} trace summaries pending.", rows, what, attempt, backoff.TotalMilliseconds, PendingRows, PendingSummaries);
            }
            await Task.Delay(backoff, _abort.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _writeRetries);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.MaxRetryBackoff.Ticks));
        }
    }

    /// <summary>
    /// Encodes one trace as soon as the stream takes it: its span rows and (unless the store keeps
    /// spans only, or the rows rebuild it) its summary row, into <see cref="_blocks"/>. A span that
    /// cannot be encoded is counted, logged and left out; a summary the store does not keep is
    /// counted as not stored. Returns its weight in the batch: its span rows, at least 1.
    /// </summary>
    private int Encode(PendingTrace trace)
    {
        try
        {
            var encoded = EncodeRows(trace);
            lock (_waitingGate)
            {
                _waiting.Enqueue(encoded);
            }
            return Math.Max(1, encoded.Spans);
        }
        finally
        {
            // Encoded (or failed for good). Spans handed over with their bytes are read by no one
            // any more: the bytes go back to their pool, the span objects a recycler lent (a kept
            // trace's, see SpanSlots) to it.
            if (trace.SpanBytes is { } bytes)
            {
                bytes.Release();
                SpanRecycler.Shared.Return(trace.Spans, static stored => stored.Span);
            }
        }
    }

    private EncodedTrace EncodeRows(PendingTrace trace)
    {
        _encoder.ResetRows();
        // Late spans (no summary) carry '' instead: what tells a decision's rows apart from them.
        var completionReason = trace.Summary?.CompletionReason ?? string.Empty;
        var spans = 0;
        foreach (var stored in trace.Spans)
        {
            try
            {
                _encoder.Append(stored, completionReason);
                spans++;
            }
            catch (Exception e)
            {
                // A span that cannot be decoded can never be written; retrying would stall every
                // later batch behind it. Its row is skipped (the encoder takes back whatever part
                // of the row it had written when it throws) and counted.
                Interlocked.Increment(ref _unencodableSpans);
                Interlocked.Decrement(ref _pendingRows);
                _log.Error(e, "Span {0} of trace {1} could not be encoded for storage and is skipped", stored.Span.SpanId, stored.Span.TraceId);
            }
        }
        var rows = _blocks.Append(_encoder.Written.Span);
        var (summaryRange, inSpanRows) = (default(RowRange), 0);
        if (trace.Summary is { } summary)
        {
            if (!_store.StoresSummaries)
            {
                Interlocked.Increment(ref _summariesNotStored);
                Interlocked.Decrement(ref _pendingSummaries);
            }
            // Only when every span made it into the rows: the rule is checked on the rows written.
            else if (_store.OmitsDerivableSummaries && spans == trace.Spans.Count && DerivableSummaries.IsDerivable(summary, trace.Spans))
            {
                inSpanRows = 1;
            }
            else
            {
                _summaryEncoder.Reset();
                _summaryEncoder.Append(summary);
                summaryRange = _blocks.Append(_summaryEncoder.Written.Span);
            }
        }
        return new EncodedTrace(rows, _encoder.Rows, spans, summaryRange, inSpanRows, trace.Stored);
    }

    /// <summary>One channel item: a trace's spans, at its decision its summary, and the buffer share to give back once encoded.</summary>
    private readonly record struct PendingTrace(IReadOnlyList<StoredSpan> Spans, StoredTraceSummary? Summary, SharedBuffer? SpanBytes, WhenStored Stored);

    /// <summary>
    /// One trace as it waits for its batch: its rows in a block, how many spans they account for
    /// (rows pending until written), its summary row (empty for none) and whether the summary is
    /// stored as the rows alone.
    /// </summary>
    private readonly record struct EncodedTrace(RowRange Rows, int RowCount, int Spans, RowRange Summary, int InSpanRows, WhenStored Stored);
}
