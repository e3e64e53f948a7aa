using ActorTracing.Domain;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

[Collection(ClickHouseServersCollection.Name)]
public sealed class ShardedStorageWriterSpec(ClickHouseServersFixture servers) : TestKit
{
    [Fact]
    public async Task Each_trace_lands_whole_on_exactly_the_shard_its_stable_hash_picks()
    {
        var settings = servers.Settings("sharded");
        var stores = await settings.OpenShardsAsync(CancellationToken.None);
        var writer = ShardedStorageWriter.Start(Sys, stores, settings);
        var traces = TestSpans.Traces(traces: 200, spansPerTrace: 5);

        foreach (var trace in traces)
        {
            writer.Enqueue(trace);
        }
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var expected = traces
            .Select(t => t[0].Span.TraceId)
            .GroupBy(id => ShardedStorageWriter.ShardOf(id, 2))
            .ToDictionary(g => g.Key, g => g.Select(id => id.ToHex()).Order(StringComparer.Ordinal).ToArray());
        Assert.True(expected.Count == 2 && expected.Values.All(ids => ids.Length > 50), "200 random-ish ids should split roughly evenly over 2 shards");
        for (var shard = 0; shard < 2; shard++)
        {
            var perTrace = (await stores[shard].Client.QueryAsync(
                    $"SELECT TraceId, count() FROM {stores[shard].Schema.QualifiedTracesTable} GROUP BY TraceId ORDER BY TraceId", "TabSeparated", CancellationToken.None))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('\t'))
                .ToArray();
            Assert.Equal(expected[shard], perTrace.Select(r => r[0]));
            Assert.All(perTrace, r => Assert.Equal("5", r[1]));
            Assert.Equal(expected[shard].Length * 5, writer.Shards[shard].Writer.RowsWritten);
            Assert.Equal(0, writer.Shards[shard].Writer.FailedAttempts);
        }

        var stats = await writer.GetStatsAsync(CancellationToken.None);
        Assert.Equal(1_000, stats.Total.Rows);
        Assert.Equal(2, stats.Responsive);
        Assert.Equal("Queried 2 shards: all responsive", stats.Summary);
        Assert.Equal(1_000, writer.RowsWritten);
        Assert.Equal(0, writer.PendingRows);
        stores.ToList().ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task A_list_mixing_traces_is_split_so_each_shard_gets_only_its_own_traces()
    {
        var shards = new[] { new RecordingSpanStore(), new RecordingSpanStore(), new RecordingSpanStore() };
        var settings = new StorageSettings { BatchSize = 1_000, FlushInterval = TimeSpan.FromMilliseconds(20) };
        var writer = ShardedStorageWriter.Start(Sys, shards, settings);
        var spans = TestSpans.Traces(traces: 30, spansPerTrace: 2).SelectMany(t => t).ToList();

        writer.Enqueue(spans);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var expected = spans.GroupBy(s => ShardedStorageWriter.ShardOf(s.Span.TraceId, 3)).ToDictionary(g => g.Key, g => g.Count());
        for (var shard = 0; shard < 3; shard++)
        {
            Assert.Equal(expected.GetValueOrDefault(shard), shards[shard].Rows);
            Assert.Equal(expected.GetValueOrDefault(shard), writer.Shards[shard].Writer.RowsWritten);
        }
        Assert.Equal(60, writer.RowsWritten);
        Assert.Equal(["shard-0", "shard-1", "shard-2"], writer.Shards.Select(s => s.Name));
    }

    [Fact]
    public async Task A_split_list_gives_its_bytes_back_once_every_shard_has_encoded_its_part()
    {
        // One share in, three shards out: each takes a share, so the last to encode gives the
        // buffer back (the pool poisons it; a share given back early would show in the rows).
        var pool = new SharedBufferPool { PoisonReturned = true };
        var shards = new[] { new RecordingSpanStore(), new RecordingSpanStore(), new RecordingSpanStore() };
        var writer = ShardedStorageWriter.Start(Sys, shards, new StorageSettings { BatchSize = 1_000, FlushInterval = TimeSpan.FromMilliseconds(20) });
        var spans = TestSpans.PooledTraces(pool, traces: 30, spansPerTrace: 2, out var bytes).SelectMany(t => t).ToList();
        var expected = new SpanRowEncoder[3];
        foreach (var stored in spans)
        {
            (expected[ShardedStorageWriter.ShardOf(stored.Span.TraceId, 3)] ??= new SpanRowEncoder()).Append(stored);
        }

        writer.Enqueue(spans, summary: null, bytes);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, bytes.Shares);
        Assert.Equal(1, pool.FreeCount);
        for (var shard = 0; shard < 3; shard++)
        {
            Assert.Equal(expected[shard].Written.ToArray(), shards[shard].Batches.SelectMany(b => b.Bytes).ToArray());
        }
    }

    [Fact]
    public async Task A_summary_goes_to_its_trace_shard_even_when_enqueued_with_a_list_mixing_traces()
    {
        var shards = new[] { new RecordingSpanStore(), new RecordingSpanStore(), new RecordingSpanStore() };
        var writer = ShardedStorageWriter.Start(Sys, shards, new StorageSettings { BatchSize = 1_000, FlushInterval = TimeSpan.FromMilliseconds(20) });
        var traces = TestSpans.Traces(traces: 30, spansPerTrace: 2);
        var summaries = TestSummaries.For(traces);

        // One trace with its own summary (the sink's case) for each trace, plus one mixed list whose
        // summary belongs to the trace of its last span only.
        for (var i = 0; i < 20; i++)
        {
            writer.Enqueue(traces[i], summaries[i]);
        }
        writer.Enqueue(traces.Skip(20).SelectMany(t => t).ToList(), summaries[29]);
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var expected = summaries.Take(20).Append(summaries[29]).GroupBy(s => ShardedStorageWriter.ShardOf(s.TraceId, 3)).ToDictionary(g => g.Key, g => g.Count());
        for (var shard = 0; shard < 3; shard++)
        {
            Assert.Equal(expected.GetValueOrDefault(shard), shards[shard].SummaryRows);
            Assert.Equal(traces.Count(t => ShardedStorageWriter.ShardOf(t[0].Span.TraceId, 3) == shard) * 2, shards[shard].Rows);
        }
        Assert.Equal(21, writer.SummariesWritten);
        Assert.Equal(60, writer.RowsWritten);
    }

    [Fact]
    public void The_shard_of_a_trace_never_changes_between_versions()
    {
        // Pinned values: stored traces are found by recomputing this, so a change would hide them.
        Assert.Equal(
            [1, 0, 1, 1],
            new[] { new TraceId(1, 2), new TraceId(0x0123456789abcdefUL, 0xfedcba9876543210UL), new TraceId(0, 1), new TraceId(ulong.MaxValue, 7) }
                .Select(id => ShardedStorageWriter.ShardOf(id, 3)));
        Assert.Equal(
            [3, 0, 2],
            new[] { new TraceId(1, 2), new TraceId(ulong.MaxValue, 7), new TraceId(5, 5) }.Select(id => ShardedStorageWriter.ShardOf(id, 4)));
        Assert.Equal(0, ShardedStorageWriter.ShardOf(new TraceId(1, 2), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardedStorageWriter.ShardOf(new TraceId(1, 2), 0));
    }
}
