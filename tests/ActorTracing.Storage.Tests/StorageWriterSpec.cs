using ActorTracing.Domain;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

public sealed class StorageWriterSpec : TestKit
{
    private static readonly StorageSettings Fast = new()
    {
        BatchSize = 100,
        FlushInterval = TimeSpan.FromSeconds(30),
        MinRetryBackoff = TimeSpan.FromMilliseconds(1),
        MaxRetryBackoff = TimeSpan.FromMilliseconds(5),
    };

    [Fact]
    public async Task Spans_are_written_in_batches_of_at_most_batch_size_rows()
    {
        var store = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, store, Fast);

        foreach (var trace in TestSpans.Traces(traces: 100, spansPerTrace: 10))
        {
            writer.Enqueue(trace);
        }
        await store.WaitForRowsAsync(1000);
        Assert.Equal(10, store.Batches.Count);
        Assert.All(store.Batches, b => Assert.Equal(100, b.Rows));

        // The writer counts a batch after the store call returns, so the store can have seen all
        // rows a moment before the counters do; completing the stream waits for that bookkeeping.
        await writer.CompleteAsync();
        Assert.Equal(10, writer.BatchesWritten);
        Assert.Equal(1000, writer.RowsWritten);
        Assert.Equal(0, writer.PendingRows);
        Assert.True(writer.AverageWriteLatencyMs >= 0);
    }

    [Fact]
    public async Task Each_batch_holds_exactly_the_traces_grouped_into_it_in_the_order_they_came()
    {
        // The stream groups only the traces' weights; the encoded traces wait in order beside it.
        // Traces of uneven sizes make any misalignment between a group and the traces taken for
        // it show as a batch whose rows are not the sum of a run of consecutive traces.
        var sizes = Enumerable.Range(0, 60).Select(i => new[] { 1, 4, 7, 2, 9, 3 }[i % 6]).ToArray();
        var store = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, store, Fast with { BatchSize = 10 });

        foreach (var size in sizes)
        {
            writer.Enqueue(TestSpans.Traces(traces: 1, spansPerTrace: size).Single());
        }
        await writer.CompleteAsync();

        var next = 0;
        foreach (var (rows, _) in store.Batches)
        {
            var run = 0;
            while (run < rows && next < sizes.Length)
            {
                run += sizes[next++];
            }
            Assert.Equal(rows, run);
            Assert.True(rows <= 10);
        }
        Assert.Equal(sizes.Length, next);
        Assert.Equal(sizes.Sum(), writer.RowsWritten);
    }

    [Fact]
    public async Task A_partial_batch_is_written_when_the_flush_interval_passes()
    {
        var store = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, store, Fast with { BatchSize = 10_000, FlushInterval = TimeSpan.FromMilliseconds(50) });

        writer.Enqueue(TestSpans.Traces(traces: 1, spansPerTrace: 3)[0]);

        // Without the time trigger the batch would wait for 10,000 rows that never come.
        await store.WaitForRowsAsync(3);
        Assert.Equal(3, store.Batches.Single().Rows);
        await writer.CompleteAsync();
    }

    [Fact]
    public async Task A_trace_waits_for_its_batch_as_encoded_rows_not_as_the_enqueued_span_objects()
    {
        // The flush is 30 s away and the batch far from full: the trace waits. What it waits as
        // decides what every young GC of a busy node must copy (see RowBlocks).
        var store = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, store, Fast with { BatchSize = 10_000 });
        var expected = new SpanRowEncoder();
        var enqueued = EnqueueAndForget(writer, expected);

        await AwaitAssertAsync(
            () =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Assert.False(enqueued.IsAlive, "the enqueued spans are still referenced while their batch waits");
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(50));
        Assert.Empty(store.Batches);

        await writer.CompleteAsync();
        Assert.Equal(expected.Written.ToArray(), store.Batches.Single().Bytes);
    }

    [Fact]
    public async Task A_kept_traces_bytes_go_back_to_their_pool_once_its_rows_are_encoded_not_before()
    {
        // The store holds its first write: one batch in the write, the next (full) ones waiting
        // for it, so the writer soon takes nothing more from its queue (it took at most three
        // batches' worth, tried with a pause here) and the pooled trace behind ten stays
        // unencoded — its share must still be out. The pool poisons what comes back, so a share
        // given back before the rows were encoded would also show in the rows.
        var pool = new SharedBufferPool { PoisonReturned = true };
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new RecordingSpanStore { Gate = gate.Task };
        var writer = StorageWriter.Start(Sys, store, Fast with { BatchSize = 5 });
        var ahead = TestSpans.Traces(traces: 10, spansPerTrace: 5);
        var pooled = TestSpans.PooledTraces(pool, traces: 1, spansPerTrace: 5, out var bytes)[0];
        var expected = new SpanRowEncoder();
        foreach (var stored in ahead.Append(pooled).SelectMany(t => t))
        {
            expected.Append(stored);
        }

        foreach (var trace in ahead)
        {
            writer.Enqueue(trace);
        }
        writer.Enqueue(pooled, summary: null, bytes);
        Assert.Equal(1, bytes.Shares);
        Assert.All(pooled, s => Assert.True(s.Span.IsRecyclable));

        gate.SetResult();
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(0, bytes.Shares);
        Assert.Equal(1, pool.FreeCount);
        Assert.Equal(expected.Written.ToArray(), store.Batches.SelectMany(b => b.Bytes).ToArray());
        // Handed over with their bytes: the decoder's span objects went back to its recycler too.
        // Spans enqueued without bytes stay the caller's.
        Assert.All(pooled, s => Assert.False(s.Span.IsRecyclable));
        Assert.All(ahead.SelectMany(t => t), s => Assert.True(s.Span.IsRecyclable));
    }

    [Fact]
    public async Task A_share_comes_back_also_for_an_unencodable_span_and_for_nothing_to_write()
    {
        var pool = new SharedBufferPool();
        var store = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, store, Fast);
        var trace = TestSpans.PooledTraces(pool, traces: 1, spansPerTrace: 2, out var bytes)[0];
        var empty = pool.Rent(100);

        writer.Enqueue([trace[0], TestSpans.Unencodable(trace[1])], summary: null, bytes);
        writer.Enqueue([], summary: null, empty);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal((0, 0), (bytes.Shares, empty.Shares));
        Assert.Equal(1, writer.UnencodableSpans);
        Assert.Equal(1, writer.RowsWritten);
    }

    // Not inlined: the list must not stay on the test's own stack.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference EnqueueAndForget(StorageWriter writer, SpanRowEncoder expected)
    {
        var trace = TestSpans.Traces(traces: 1, spansPerTrace: 5)[0];
        foreach (var stored in trace)
        {
            expected.Append(stored);
        }
        writer.Enqueue(trace);
        return new WeakReference(trace);
    }

    [Fact]
    public async Task A_failing_store_is_retried_until_it_succeeds_and_no_row_is_lost()
    {
        var recording = new RecordingSpanStore();
        var failing = new FailingSpanStore(recording, failures: 3);
        var writer = StorageWriter.Start(Sys, failing, Fast);

        foreach (var trace in TestSpans.Traces(traces: 5, spansPerTrace: 10))
        {
            writer.Enqueue(trace);
        }
        await writer.CompleteAsync();

        Assert.Equal(50, recording.Rows);
        Assert.Equal(50, writer.RowsWritten);
        Assert.Equal(3, writer.FailedAttempts);
        Assert.Equal(3, writer.WriteRetries);
        Assert.Equal(4, failing.Calls);
        Assert.Equal(0, writer.PendingRows);
        Assert.Contains("TABLE_IS_READ_ONLY", writer.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_traces_stored_callback_runs_only_once_its_rows_are_written_after_retries_and_never_for_rows_abandoned()
    {
        var recording = new RecordingSpanStore();
        var failing = new FailingSpanStore(recording, failures: 2);
        var writer = StorageWriter.Start(Sys, failing, Fast with { FlushInterval = TimeSpan.FromMilliseconds(20) });
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var rowsWhenStored = -1L;

        writer.Enqueue(TestSpans.Traces(traces: 1, spansPerTrace: 3)[0], summary: null, stored: WhenStored.Call(() =>
        {
            rowsWhenStored = recording.Rows;
            stored.SetResult();
        }));
        await stored.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(3, rowsWhenStored); // after the write that succeeded, not at an attempt
        Assert.Equal(3, failing.Calls);

        // Nothing to write: called at once.
        var nothing = false;
        writer.Enqueue([], summary: null, stored: WhenStored.Call(() => nothing = true));
        Assert.True(nothing);
        await writer.CompleteAsync();

        // A store that never recovers, and a stop that gives up on it: never called.
        var down = StorageWriter.Start(Sys, new FailingSpanStore(new RecordingSpanStore(), failures: int.MaxValue), Fast with { FlushInterval = TimeSpan.FromMilliseconds(20) });
        var called = false;
        down.Enqueue(TestSpans.Traces(traces: 1, spansPerTrace: 2)[0], summary: null, stored: WhenStored.Call(() => called = true));
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await down.CompleteAsync(stop.Token);
        Assert.False(called);
    }

    [Fact]
    public async Task Pending_rows_count_every_enqueued_span_until_it_is_written()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new RecordingSpanStore { Gate = gate.Task };
        var writer = StorageWriter.Start(Sys, store, Fast with { BatchSize = 1_000 });
        var traces = TestSpans.Traces(traces: 400, spansPerTrace: 5);

        // Many producers at once, as trace actors on several dispatcher threads would be.
        Parallel.ForEach(traces, new ParallelOptions { MaxDegreeOfParallelism = 4 }, writer.Enqueue);

        Assert.Equal(2_000, writer.PendingRows);
        Assert.Equal(0, writer.RowsWritten);

        gate.SetResult();
        await store.WaitForRowsAsync(2_000);
        await writer.CompleteAsync();
        Assert.Equal(0, writer.PendingRows);
        Assert.Equal(2_000, writer.RowsWritten);
    }

    [Fact]
    public async Task Completing_writes_the_partial_batch_and_then_refuses_new_spans()
    {
        var store = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, store, Fast with { BatchSize = 10_000, FlushInterval = TimeSpan.FromHours(1) });
        var traces = TestSpans.Traces(traces: 2, spansPerTrace: 2);
        writer.Enqueue(traces[0]);

        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(2, store.Rows);
        Assert.Throws<InvalidOperationException>(() => writer.Enqueue(traces[1]));
        Assert.Equal(0, writer.PendingRows);
    }

    [Fact]
    public async Task Cancelling_completion_abandons_a_store_that_never_recovers()
    {
        var failing = new FailingSpanStore(new RecordingSpanStore(), failures: int.MaxValue);
        var writer = StorageWriter.Start(Sys, failing, Fast);
        writer.Enqueue(TestSpans.Traces(traces: 1, spansPerTrace: 4)[0]);
        using var stop = new CancellationTokenSource();

        var completing = writer.CompleteAsync(stop.Token);
        await failing.FirstFailure.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.False(completing.IsCompleted);
        await stop.CancelAsync();
        await completing.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(4, writer.PendingRows);
        Assert.Equal(0, writer.RowsWritten);
        Assert.True(writer.FailedAttempts >= 1);
    }

    [Fact]
    public void Enqueuing_an_empty_list_changes_nothing()
    {
        var writer = StorageWriter.Start(Sys, new RecordingSpanStore(), Fast);
        writer.Enqueue([]);
        Assert.Equal(0, writer.PendingRows);
    }

    [Fact]
    public async Task A_trace_summary_travels_in_the_batch_of_its_spans_and_does_not_count_toward_batch_size()
    {
        var store = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, store, Fast with { BatchSize = 10, FlushInterval = TimeSpan.FromHours(1) });
        var traces = TestSpans.Traces(traces: 3, spansPerTrace: 10);
        var summaries = TestSummaries.For(traces);

        for (var i = 0; i < traces.Count; i++)
        {
            writer.Enqueue(traces[i], summaries[i]);
        }
        Assert.Equal(3, writer.PendingSummaries);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));

        // Each trace fills a batch of 10 span rows on its own; its summary is that batch's second insert.
        Assert.Equal([10, 10, 10], store.Batches.Select(b => b.Rows));
        Assert.Equal([1, 1, 1], store.SummaryBatches.Select(b => b.Rows));
        var expected = new TraceSummaryRowEncoder();
        expected.Append(summaries[1]);
        Assert.Equal(expected.Written.ToArray(), store.SummaryBatches.ElementAt(1).Bytes);
        Assert.Equal(3, writer.SummariesWritten);
        Assert.Equal(3, writer.BatchesWritten);
        Assert.Equal(0, writer.PendingSummaries);
    }

    [Fact]
    public async Task A_store_that_keeps_spans_only_still_gets_every_span_and_the_summaries_are_counted_as_not_stored()
    {
        var recording = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, new SpansOnlyStore(recording), Fast);
        var traces = TestSpans.Traces(traces: 4, spansPerTrace: 2);
        var summaries = TestSummaries.For(traces);

        for (var i = 0; i < traces.Count; i++)
        {
            writer.Enqueue(traces[i], summaries[i]);
        }
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(8, recording.Rows);
        Assert.Empty(recording.SummaryBatches);
        Assert.Equal(4, writer.SummariesNotStored);
        Assert.Equal(0, writer.SummariesWritten);
        Assert.Equal(0, writer.PendingSummaries);
        Assert.Equal(0, writer.FailedAttempts);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_store_that_rebuilds_summaries_from_span_rows_gets_a_row_only_for_those_its_rows_cannot_rebuild(bool omitsDerivable)
    {
        var store = new RecordingSpanStore { OmitsDerivableSummaries = omitsDerivable };
        var writer = StorageWriter.Start(Sys, store, Fast with { FlushInterval = TimeSpan.FromHours(1) });
        var traces = TestSpans.Traces(traces: 4, spansPerTrace: 3);
        var derivable = TestSummaries.Derivable(traces[0]);
        var crossRegion = TestSummaries.For(traces[1], 1);
        // Stitched over all three spans, but one cannot be written: the rows would rebuild two.
        var partlyWritten = TestSummaries.Derivable(traces[2], "expired/no_root");
        IReadOnlyList<StoredSpan> withUnencodable = [traces[2][0], TestSpans.Unencodable(traces[2][1]), traces[2][2]];

        writer.Enqueue(traces[0], derivable);
        writer.Enqueue(traces[1], crossRegion);
        writer.Enqueue(withUnencodable, partlyWritten);
        writer.Enqueue(traces[3]);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));

        var expectedSummaries = new TraceSummaryRowEncoder();
        foreach (var summary in omitsDerivable ? [crossRegion, partlyWritten] : new[] { derivable, crossRegion, partlyWritten })
        {
            expectedSummaries.Append(summary);
        }
        Assert.Equal(expectedSummaries.Written.ToArray(), Assert.Single(store.SummaryBatches).Bytes);
        Assert.Equal(omitsDerivable ? 2 : 3, writer.SummariesWritten);
        Assert.Equal(omitsDerivable ? 1 : 0, writer.SummariesInSpanRows);
        Assert.Equal(0, writer.PendingSummaries);
        Assert.Equal(1, writer.UnencodableSpans);

        // Every span row written with a summary carries its completion reason either way; late spans ''.
        var expectedRows = new SpanRowEncoder();
        foreach (var (spans, reason) in new[] { (traces[0], "got_root"), (traces[1], crossRegion.CompletionReason), ([traces[2][0], traces[2][2]], "expired/no_root"), (traces[3], "") })
        {
            foreach (var stored in spans)
            {
                expectedRows.Append(stored, reason);
            }
        }
        Assert.Equal(expectedRows.Written.ToArray(), Assert.Single(store.Batches).Bytes);
    }

    [Fact]
    public async Task A_summary_without_spans_is_written_on_its_own()
    {
        var store = new RecordingSpanStore();
        var writer = StorageWriter.Start(Sys, store, Fast);
        var trace = TestSpans.Traces(traces: 1, spansPerTrace: 2)[0];

        writer.Enqueue([], TestSummaries.For(trace, 0));
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(1, store.SummaryRows);
        Assert.Empty(store.Batches);
        Assert.Equal(0, writer.RowsWritten);
    }

    /// <summary>A store written before summaries existed: spans only, the interface's defaults for the rest.</summary>
    private sealed class SpansOnlyStore(ISpanStore inner) : ISpanStore
    {
        public Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken) => inner.WriteAsync(rowBinary, rows, cancellationToken);

        public Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);
    }
}
