using ActorTracing.Storage;

namespace ActorTracing.Query.Tests;

/// <summary>
/// What every <see cref="ClickHouseSpanReader"/> flavor must read alike from the same fixture data:
/// run once over the Modern tables and once over the ClickHouse 18.16 (Legacy) tables, both
/// created in the embedded engine.
/// </summary>
public abstract class SpanReaderConformance(ChdbFixture chdb, SchemaFlavor flavor)
{
    private static readonly long Now = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60) * 1_000_000_000L;
    private static readonly long HourAgo = Now - (3_600L * 1_000_000_000);

    private Task<ClickHouseSpanReader> Reader() => chdb.Shared(GetType().Name, () =>
    {
        var db = ChdbFixture.UniqueDatabase("reader");
        TraceData.Write(chdb.Engine, db, TraceData.All, TraceData.Summaries, flavor);
        return Task.FromResult(ClickHouseSpanReader.ForEmbedded(chdb.Engine, db, TimeSpan.FromSeconds(30), flavor));
    });

    private static TraceSearch Search(long? from = null) => new() { StartMinUnixNano = from ?? HourAgo, StartMaxUnixNano = Now, Limit = 20 };

    [Fact]
    public async Task Services_are_every_stored_service_sorted()
    {
        var reader = await Reader();
        Assert.Equal(["cdn", "checkout", "edge-gateway", "static-assets"], await reader.GetServicesAsync(default));
    }

    [Fact]
    public async Task Operations_of_a_service_carry_their_span_kind_and_can_be_narrowed_by_kind()
    {
        var reader = await Reader();
        Assert.Equal(
            [new OperationInfo("GET /checkout", "Server"), new OperationInfo("cache lookup", "Client")],
            await reader.GetOperationsAsync("edge-gateway", null, default));
        Assert.Equal([new OperationInfo("cache lookup", "Client")], await reader.GetOperationsAsync("edge-gateway", "Client", default));
        Assert.Empty(await reader.GetOperationsAsync("no-such-service", null, default));
    }

    [Fact]
    public async Task A_search_finds_traces_newest_first_within_the_time_range()
    {
        var reader = await Reader();
        var hits = await reader.FindTraceIdsAsync(Search(), default);
        Assert.Equal([TraceData.TraceC, TraceData.TraceB, TraceData.TraceA], hits.Select(h => h.TraceId));
        Assert.Equal(TraceData.BaseNanos - TraceData.SkewNanos, hits[2].StartUnixNano);

        var older = await reader.FindTraceIdsAsync(Search(from: Now - (3 * 3_600L * 1_000_000_000)), default);
        Assert.Contains(TraceData.TraceD, older.Select(h => h.TraceId));
        Assert.Equal(2, (await reader.FindTraceIdsAsync(Search() with { Limit = 2 }, default)).Count);
    }

    [Fact]
    public async Task A_search_matches_service_operation_tags_and_duration_on_one_span()
    {
        var reader = await Reader();
        Assert.Equal([TraceData.TraceB, TraceData.TraceA], (await reader.FindTraceIdsAsync(Search() with { Service = "checkout", Operation = "POST /orders" }, default)).Select(h => h.TraceId));
        Assert.Equal([TraceData.TraceB], (await reader.FindTraceIdsAsync(Search() with { Tags = [new("http.status_code", "500")] }, default)).Select(h => h.TraceId));
        Assert.Equal([TraceData.TraceA], (await reader.FindTraceIdsAsync(Search() with { Tags = [new("host.name", "edge-gateway-eu-west")] }, default)).Select(h => h.TraceId));
        Assert.Equal([TraceData.TraceB, TraceData.TraceA], (await reader.FindTraceIdsAsync(Search() with { Tags = [new("error", "true")] }, default)).Select(h => h.TraceId));
        Assert.Equal([TraceData.TraceC], (await reader.FindTraceIdsAsync(Search() with { Tags = [new("sampling.reason", "probabilistic/static")] }, default)).Select(h => h.TraceId));
        Assert.Equal([TraceData.TraceB], (await reader.FindTraceIdsAsync(Search() with { DurationMinNanos = 1_000_000_000 }, default)).Select(h => h.TraceId));
        Assert.Equal([TraceData.TraceC], (await reader.FindTraceIdsAsync(Search() with { DurationMaxNanos = 100_000 }, default)).Select(h => h.TraceId));
        // Service and tag must hold on the same span: edge-gateway spans have no status 500.
        Assert.Empty(await reader.FindTraceIdsAsync(Search() with { Service = "edge-gateway", Tags = [new("http.status_code", "500")] }, default));
    }

    [Fact]
    public async Task Hostile_text_in_a_search_is_matched_literally_not_run()
    {
        var reader = await Reader();
        foreach (var evil in new[] { "x' OR 1=1 --", "x\\' OR 1=1 --", "a\0b' OR '1'='1", "'; DROP TABLE t; --" })
        {
            Assert.Empty(await reader.FindTraceIdsAsync(Search() with { Service = evil }, default));
            Assert.Empty(await reader.FindTraceIdsAsync(Search() with { Tags = [new(evil, evil)] }, default));
            Assert.Empty(await reader.GetOperationsAsync(evil, evil, default));
        }
        await Assert.ThrowsAsync<ArgumentException>(() => reader.GetSpansAsync(["0af7' OR 1=1 --"], default));
    }

    [Fact]
    public async Task Spans_of_a_trace_come_back_with_attributes_events_links_and_pipeline_columns()
    {
        var reader = await Reader();
        var spans = await reader.GetSpansAsync([TraceData.TraceA], default);
        Assert.Equal([TraceData.Hex(TraceData.A2), TraceData.Hex(TraceData.A1), TraceData.Hex(TraceData.A4), TraceData.Hex(TraceData.A3)], spans.Select(s => s.SpanId));
        var root = spans[1];
        Assert.Equal("", root.ParentSpanId);
        Assert.Equal("Server", root.Kind);
        Assert.Equal("edge-gateway", root.ServiceName);
        Assert.Equal(TraceData.EuWest, root.Region);
        Assert.Equal("rules/slow", root.SamplingReason);
        Assert.Equal(1, root.SampleRate);
        Assert.Equal(TraceData.BaseNanos, root.StartUnixNano);
        Assert.Equal(250_000_000, root.DurationNanos);
        Assert.Equal("200", root.Attributes["http.status_code"]);
        Assert.Equal("[\"a\",\"b\"]", root.Attributes["labels"]);
        Assert.Equal("edge-gateway-eu-west", root.ResourceAttributes["host.name"]);
        Assert.Equal("fixture-scope", root.ScopeName);

        var charge = spans[3];
        Assert.Equal("Error", charge.StatusCode);
        Assert.Equal("card declined", charge.StatusMessage);
        var e = Assert.Single(charge.Events);
        Assert.Equal(("retry", TraceData.BaseNanos + 20_000_000, "2"), (e.Name, e.TimeUnixNano, e.Attributes["attempt"]));
        var link = Assert.Single(charge.Links);
        Assert.Equal((TraceData.TraceC, TraceData.Hex(TraceData.C1), "cause"), (link.TraceId, link.SpanId, link.Attributes["link.kind"]));
    }

    [Fact]
    public async Task Several_traces_read_together_and_unknown_ids_yield_nothing()
    {
        var reader = await Reader();
        var spans = await reader.GetSpansAsync([TraceData.TraceB, TraceData.TraceD, TraceData.UnknownTrace], default);
        Assert.Equal([TraceData.TraceB, TraceData.TraceD], spans.Select(s => s.TraceId));
        Assert.Empty(await reader.GetSpansAsync([TraceData.UnknownTrace], default));
    }

    [Fact]
    public async Task Summaries_carry_edges_lag_and_the_other_traces_of_the_correlation_group()
    {
        var reader = await Reader();
        var summaries = await reader.GetTraceSummariesAsync([TraceData.TraceA, TraceData.TraceC], default);
        var a = Assert.Single(summaries);
        Assert.Equal(TraceData.GroupId, a.GroupId);
        Assert.Equal([TraceData.TraceB], a.LinkedTraceIds);
        Assert.Equal([TraceData.EuWest, TraceData.UsEast], a.Regions);
        Assert.Equal(new SkewEdgeRecord(TraceData.Hex(TraceData.A1), TraceData.Hex(TraceData.A2), TraceData.EuWest, TraceData.UsEast, TraceData.SkewNanos), Assert.Single(a.Edges));
        Assert.Equal(new ArrivalLagRecord(TraceData.UsEast, 120), Assert.Single(a.ArrivalLag));
        Assert.Equal(("got_root", "rules/slow", 4L, TraceData.SkewNanos), (a.CompletionReason, a.SamplingReason, a.SpanCount, a.MaxSkewNanos));
    }

    [Fact]
    public async Task A_store_without_the_summary_table_reads_no_summaries()
    {
        var db = ChdbFixture.UniqueDatabase("nosummary");
        TraceData.Write(chdb.Engine, db, TraceData.All.Where(s => s.Span.TraceId == TraceData.Id(TraceData.TraceA)), summaries: null, flavor);
        var reader = ClickHouseSpanReader.ForEmbedded(chdb.Engine, db, flavor: flavor);
        Assert.Empty(await reader.GetTraceSummariesAsync([TraceData.TraceA], default));
        Assert.Equal(4, (await reader.GetSpansAsync([TraceData.TraceA], default)).Count);
    }

    [Fact]
    public async Task Dependencies_count_calls_between_different_services_in_the_time_range()
    {
        var reader = await Reader();
        var links = await reader.GetDependenciesAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1), default);
        Assert.Equal([new DependencyLink("edge-gateway", "checkout", 1), new DependencyLink("static-assets", "cdn", 1)], links);
        Assert.Empty(await reader.GetDependenciesAsync(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(-1), default));
    }
}

[Collection(ChdbCollection.Name)]
public sealed class ClickHouseSpanReaderSpec(ChdbFixture chdb) : SpanReaderConformance(chdb, SchemaFlavor.Modern);

[Collection(ChdbCollection.Name)]
public sealed class LegacyClickHouseSpanReaderSpec(ChdbFixture chdb) : SpanReaderConformance(chdb, SchemaFlavor.Legacy);
