using Akka.TestKit.Xunit2;

namespace ActorTracing.Storage.Tests;

[Collection(ChdbCollection.Name)]
public sealed class EmbeddedStorageWriterSpec(ChdbFixture chdb) : TestKit
{
    [Fact]
    public async Task Spans_enqueued_to_the_writer_end_up_in_the_embedded_otel_traces_table()
    {
        var settings = new StorageSettings
        {
            DataDirectory = chdb.DataDirectory,
            Database = ChdbFixture.UniqueDatabase("writer"),
            BatchSize = 250,
            FlushInterval = TimeSpan.FromMilliseconds(50),
        };
        var store = EmbeddedSpanStore.Open(settings);
        var writer = StorageWriter.Start(Sys, store, settings);

        foreach (var trace in TestSpans.Traces(traces: 100, spansPerTrace: 10))
        {
            writer.Enqueue(trace);
        }
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var stats = await store.GetStatsAsync(CancellationToken.None);
        Assert.Equal(1_000, stats.Rows);
        Assert.Equal(1_000, writer.RowsWritten);
        Assert.InRange(writer.BatchesWritten, 4, 1_000 / 10);
        Assert.Equal("100\n", chdb.Engine.Query($"SELECT uniqExact(TraceId) FROM {store.Schema.QualifiedTraceIdTsTable}"));
    }
}
