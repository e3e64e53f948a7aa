using ActorTracing.Storage;

namespace ActorTracing.Query.Tests;

/// <summary>
/// Two embedded databases stand for two storage shards split by region (every eu-west span in
/// one, every us-east span in the other), so trace A's spans are split across them. The us shard
/// has the ClickHouse 18.16 (Legacy) tables: a fan-out merges shards of either schema.
/// </summary>
[Collection(ChdbCollection.Name)]
public sealed class FanOutSpanReaderSpec(ChdbFixture chdb)
{
    private static readonly long Now = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60) * 1_000_000_000L;

    private Task<Shards> Readers() => chdb.Shared(nameof(FanOutSpanReaderSpec), () =>
    {
        var eu = ChdbFixture.UniqueDatabase("shard_eu");
        var us = ChdbFixture.UniqueDatabase("shard_us");
        TraceData.Write(chdb.Engine, eu, TraceData.All.Where(s => s.Region == TraceData.EuWest), TraceData.Summaries.Where(s => s.TraceId == TraceData.TraceA));
        // The us shard's summary of A knows only its own fragment; merged, the eu row's edges and group stay.
        TraceData.Write(
            chdb.Engine,
            us,
            TraceData.All.Where(s => s.Region == TraceData.UsEast),
            [TraceData.Summaries[0] with { GroupId = "", SpanCount = 2, Regions = [TraceData.UsEast], Edges = [], Lag = [("us-east", 120)], MaxSkew = 0, StartNanos = TraceData.BaseNanos - TraceData.SkewNanos }, TraceData.Summaries[1]],
            SchemaFlavor.Legacy);
        var euReader = ClickHouseSpanReader.ForEmbedded(chdb.Engine, eu);
        var usReader = ClickHouseSpanReader.ForEmbedded(chdb.Engine, us, flavor: SchemaFlavor.Legacy);
        return Task.FromResult(new Shards(euReader, usReader, new FanOutSpanReader([euReader, usReader])));
    });

    [Fact]
    public async Task Services_and_operations_are_the_union_of_the_shards()
    {
        var shards = await Readers();
        Assert.Equal(["cdn", "edge-gateway", "static-assets"], await shards.Eu.GetServicesAsync(default));
        Assert.Equal(["cdn", "checkout", "edge-gateway", "static-assets"], await shards.All.GetServicesAsync(default));
        Assert.Equal(
            [new OperationInfo("POST /orders", "Server"), new OperationInfo("charge-card", "Internal")],
            await shards.All.GetOperationsAsync("checkout", null, default));
    }

    [Fact]
    public async Task Search_hits_merge_newest_first_with_one_hit_per_trace_and_the_global_limit()
    {
        var shards = await Readers();
        var search = new TraceSearch { StartMinUnixNano = Now - (3_600L * 1_000_000_000), StartMaxUnixNano = Now, Limit = 20 };
        var hits = await shards.All.FindTraceIdsAsync(search, default);
        Assert.Equal([TraceData.TraceC, TraceData.TraceB, TraceData.TraceA], hits.Select(h => h.TraceId));
        // A's earliest span (the skewed us-east child) is on the us shard: the merged start is the minimum.
        Assert.Equal(TraceData.BaseNanos - TraceData.SkewNanos, hits[2].StartUnixNano);
        Assert.Equal([TraceData.TraceC, TraceData.TraceB], (await shards.All.FindTraceIdsAsync(search with { Limit = 2 }, default)).Select(h => h.TraceId));
    }

    [Fact]
    public async Task A_trace_split_over_shards_reads_whole_and_renders_both_regions()
    {
        var shards = await Readers();
        Assert.Equal(2, (await shards.Eu.GetSpansAsync([TraceData.TraceA], default)).Count);
        var spans = await shards.All.GetSpansAsync([TraceData.TraceA], default);
        Assert.Equal(4, spans.Count);
        Assert.Equal([TraceData.EuWest, TraceData.UsEast], spans.Select(s => s.Region).Distinct().Order());

        var summary = Assert.Single(await shards.All.GetTraceSummariesAsync([TraceData.TraceA], default));
        Assert.Equal(TraceData.GroupId, summary.GroupId);
        Assert.Equal(6, summary.SpanCount);
        Assert.Equal(TraceData.SkewNanos, summary.MaxSkewNanos);
        Assert.Single(summary.Edges);
        Assert.Single(summary.ArrivalLag);
        // The legacy summary's time has whole seconds only: Base - 2 ms reads back as Base - 1 s.
        Assert.Equal(TraceData.BaseNanos - 1_000_000_000, summary.StartUnixNano);

        var trace = TraceAssembler.Assemble(TraceData.TraceA, spans, summary);
        Assert.Equal(2, trace.Processes.Count);
        Assert.Contains(trace.Warnings, w => w.Contains("clock skew", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dependency_counts_from_shards_add_up()
    {
        var fanOut = new FanOutSpanReader([
            new StubReader([new DependencyLink("a", "b", 2), new DependencyLink("a", "c", 1)]),
            new StubReader([new DependencyLink("a", "b", 3)]),
        ]);
        Assert.Equal(
            [new DependencyLink("a", "b", 5), new DependencyLink("a", "c", 1)],
            await fanOut.GetDependenciesAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow, default));
    }

    [Fact]
    public async Task A_failing_shard_fails_the_read_saying_how_many_answered()
    {
        // The healthy shard answers whether or not the failure cancelled it first: an embedded
        // reader waits its turn on the engine's thread and a read still queued when the other
        // shard fails is cancelled — correct, but it would make the count a race.
        var fanOut = new FanOutSpanReader([new StubReader([]), new StubReader([], fail: true)]);
        var e = await Assert.ThrowsAsync<StorageException>(() => fanOut.GetServicesAsync(default));
        Assert.StartsWith("Queried 2 readers: 1 responsive, 1 failed (reader 1): shard down", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_reported_as_bad_input_not_as_a_shard_failure()
    {
        var shards = await Readers();
        await Assert.ThrowsAsync<ArgumentException>(() => shards.All.GetSpansAsync(["not-a-trace-id"], default));
    }

    internal sealed record Shards(ISpanReader Eu, ISpanReader Us, FanOutSpanReader All);

    private sealed class StubReader(IReadOnlyList<DependencyLink> links, bool fail = false) : ISpanReader
    {
        public Task<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken) =>
            fail ? Task.FromException<IReadOnlyList<string>>(new StorageException("shard down")) : Task.FromResult<IReadOnlyList<string>>([]);

        public Task<IReadOnlyList<OperationInfo>> GetOperationsAsync(string service, string? spanKind, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<OperationInfo>>([]);

        public Task<IReadOnlyList<TraceIdHit>> FindTraceIdsAsync(TraceSearch search, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<TraceIdHit>>([]);

        public Task<IReadOnlyList<SpanRecord>> GetSpansAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<SpanRecord>>([]);

        public Task<IReadOnlyList<TraceSummaryRecord>> GetTraceSummariesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<TraceSummaryRecord>>([]);

        public Task<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken) => Task.FromResult(links);
    }
}
