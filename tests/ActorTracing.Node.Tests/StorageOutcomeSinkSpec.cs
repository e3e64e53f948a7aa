using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;
using ActorTracing.Domain.Stitching;
using ActorTracing.Node.Pipeline;
using ActorTracing.Protocol.Traces;
using ActorTracing.Storage;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Node.Tests;

/// <summary>What the storage sink makes of a decision: span rows, and for a kept trace at its decision one summary row on the trace's shard.</summary>
public sealed class StorageOutcomeSinkSpec : TestKit
{
    private static readonly StorageSettings Settings = new() { BatchSize = 1_000, FlushInterval = TimeSpan.FromHours(1) };

    [Fact]
    public async Task A_kept_trace_is_stored_with_its_summary_built_from_stitch_decision_and_completion_reason()
    {
        var stores = new[] { new CountingStore(), new CountingStore(), new CountingStore() };
        var writer = ShardedStorageWriter.Start(Sys, stores, Settings);
        var (traceId, spans) = Trace();
        var stitch = new TraceStitch(
            ["eu-west", "us-east"],
            [new CrossRegionEdge(spans[0].SpanId, spans[1].SpanId, "eu-west", "us-east", 2_000_000)],
            [new("eu-west", TimeSpan.Zero), new("us-east", TimeSpan.FromMilliseconds(120))],
            2_000_000,
            spans[0].StartUnixNano,
            5_000_000,
            spans.Count);

        var keptBytes = new SharedBufferPool().Rent(100);
        new StorageOutcomeSink(writer).OnDecided(Decided(traceId, spans, SamplingDecision.Kept("rules/slow", 4), isLate: false, stitch) with { KeptBytes = keptBytes });
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));

        // The trace's bytes went with its spans and came back once they were encoded.
        Assert.Equal(0, keptBytes.Shares);

        var shard = stores[ShardedStorageWriter.ShardOf(traceId, 3)];
        Assert.Equal(spans.Count, shard.Rows);
        var expected = new TraceSummaryRowEncoder();
        expected.Append(new StoredTraceSummary(traceId, stitch, "got_root", "rules/slow", 4));
        Assert.Equal(expected.Written.ToArray(), Assert.Single(shard.SummaryBatches));
        Assert.Equal(1, writer.SummariesWritten);
        Assert.Equal(spans.Count, writer.RowsWritten);
    }

    [Fact]
    public async Task Late_spans_of_a_kept_trace_are_stored_without_a_second_summary_and_dropped_traces_not_at_all()
    {
        var store = new CountingStore();
        var writer = ShardedStorageWriter.Start(Sys, [store], Settings);
        var sink = new StorageOutcomeSink(writer);
        var (traceId, spans) = Trace();

        sink.OnDecided(Decided(traceId, spans, SamplingDecision.Kept("late/follow-decision", 1), isLate: true, stitch: null));
        sink.OnDecided(Decided(traceId, spans, SamplingDecision.Dropped("probabilistic/default"), isLate: false, SingleRegionStitch(spans)));
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(spans.Count, store.Rows);
        Assert.Empty(store.SummaryBatches);
        Assert.Equal(0, writer.SummariesWritten);
    }

    [Fact]
    public async Task A_kept_traces_receipts_are_owed_once_its_rows_are_written_and_a_dropped_or_empty_ones_at_once()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new CountingStore { Gate = gate.Task };
        var writer = ShardedStorageWriter.Start(Sys, [store], Settings with { FlushInterval = TimeSpan.FromMilliseconds(20) });
        var owed = new System.Collections.Concurrent.ConcurrentQueue<long>();
        var sink = new StorageOutcomeSink(writer, receipts =>
        {
            foreach (var r in receipts)
            {
                owed.Enqueue(r.Id);
            }
        });
        var (traceId, spans) = Trace();
        var sender = CreateTestProbe().Ref;

        sink.OnDecided(Decided(traceId, spans, SamplingDecision.Kept("rules/errors", 1), isLate: false, SingleRegionStitch(spans)) with { Receipts = [new DeliveryReceipt(1, sender)] });
        sink.OnDecided(Decided(traceId, spans, SamplingDecision.Dropped("probabilistic/default"), isLate: false, null) with { Receipts = [new DeliveryReceipt(2, sender)] });
        sink.OnDecided(Decided(traceId, [], SamplingDecision.Kept("rules/errors", 1), isLate: true, null) with { Receipts = [new DeliveryReceipt(3, sender)] });

        // The store has not written the kept trace yet: only what has nothing to write is owed.
        Assert.Equal([2L, 3L], owed);
        gate.SetResult();
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal([2L, 3L, 1L], owed);
    }

    private static TraceStitch SingleRegionStitch(IReadOnlyList<BufferedSpan> spans) =>
        new(["eu-west"], [], [new("eu-west", TimeSpan.Zero)], 0, spans[0].StartUnixNano, 1, spans.Count);

    private static TraceDecided Decided(TraceId traceId, IReadOnlyList<BufferedSpan> spans, SamplingDecision decision, bool isLate, TraceStitch? stitch)
    {
        var now = DateTimeOffset.UtcNow;
        return new TraceDecided(traceId, decision, isLate ? "late" : "got_root", spans, 0, isLate, now, now, now, stitch);
    }

    /// <summary>A two-span trace as ingest buffers it: real OTLP bytes, so the storage encoder can decode them.</summary>
    private static (TraceId TraceId, IReadOnlyList<BufferedSpan> Spans) Trace()
    {
        var traceId = new TraceId(0x51, 0x52);
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 1_000_000_000;
        var request = OtlpEncoder.EncodeRequest(
        [
            new ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("checkout"))],
                [
                    new ScopeSpansDetail(new ScopeDetail("test", "1.0", []),
                    [
                        new SpanDetail { TraceId = traceId, SpanId = new SpanId(1), Name = "root", StartUnixNano = start, EndUnixNano = start + 5_000_000 },
                        new SpanDetail { TraceId = traceId, SpanId = new SpanId(2), ParentSpanId = new SpanId(1), Name = "child", StartUnixNano = start, EndUnixNano = start + 1_000_000 },
                    ]),
                ]),
        ]);
        var trace = Assert.Single(OtlpTraceDecoder.Decode(request, "eu-west").Traces);
        return (trace.TraceId, trace.Spans);
    }

    /// <summary>Counts span rows and keeps each summary batch's bytes.</summary>
    private sealed class CountingStore : ISpanStore
    {
        private long _rows;

        public List<byte[]> SummaryBatches { get; } = [];

        public long Rows => Interlocked.Read(ref _rows);

        public bool StoresSummaries => true;

        /// <summary>Span writes wait for it (the store is slow until the test says).</summary>
        public Task Gate { get; init; } = Task.CompletedTask;

        public async Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken)
        {
            await Gate.ConfigureAwait(false);
            Interlocked.Add(ref _rows, rows);
        }

        public Task WriteSummariesAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken)
        {
            // One writer per store calls this, one batch at a time: no lock needed.
            SummaryBatches.Add(rowBinary.ToArray());
            return Task.CompletedTask;
        }

        public Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken) => Task.FromResult(new StorageStats(Rows, 0, 0, 0));
    }
}
