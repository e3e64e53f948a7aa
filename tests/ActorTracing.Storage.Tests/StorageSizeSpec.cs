using System.Globalization;
using System.Text;
using ActorTracing.Domain;
using ActorTracing.Workload;
using Xunit.Abstractions;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// Bytes on disk per stored span on the embedded engine, measured the way the benchmark's storage
/// scenario measures it and judges its target (every table merged with OPTIMIZE FINAL, then
/// bytes_on_disk of the span table's active parts plus those of every other table of the database,
/// the summaries, over the span rows: <see cref="EmbeddedSpanStore.GetStatsAsync"/> and
/// <see cref="EmbeddedSpanStore.CompanionBytesOnDisk"/>), on the traffic it stores; and, on the
/// same data, that the layout bought for it still reads back every span and every summary and
/// still finds traces by search.
/// </summary>
[Collection(ChdbCollection.Name)]
public sealed class StorageSizeSpec(ChdbFixture chdb, ITestOutputHelper output)
{
    /// <summary>The benchmark's target for bytes per stored span (ActorTracing.Bench Targets.BytesPerStoredSpan).</summary>
    private const double TargetBytesPerSpan = 30;

    [Fact]
    public async Task Realistic_kept_traffic_takes_at_most_30_bytes_per_span_on_disk_once_merged_with_its_summaries()
    {
        var stored = await StoredTraffic.GetAsync(chdb.Engine);

        var stats = await stored.Store.GetStatsAsync(CancellationToken.None);
        var companions = stored.Store.CompanionBytesOnDisk();
        var spanTable = (double)stats.BytesOnDisk / stats.Rows;
        var total = (double)(stats.BytesOnDisk + companions) / stats.Rows;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{stats.Rows:N0} spans in {stored.Traces.Count:N0} traces ({stored.SummaryRows:N0} summary rows): {stats.BytesOnDisk + companions:N0} B on disk = {total:0.00} B/span; span table {spanTable:0.00} B/span, compression {stats.CompressionRatio:0.00}x ({stats.UncompressedBytes:N0} -> {stats.CompressedBytes:N0} B)"));
        WriteBreakdown(stored, stats.Rows);

        Assert.Equal(stored.SpanCount, stats.Rows);
        Assert.Equal("1\n", chdb.Engine.Query($"SELECT count() FROM system.parts WHERE active AND database = '{stored.Store.Schema.Database}' AND table = '{TraceSchema.TracesTable}'"));
        // The summaries must be there to be counted: a row for each trace the span rows cannot rebuild.
        Assert.Equal(
            stored.SummaryRows.ToString(CultureInfo.InvariantCulture) + "\n",
            chdb.Engine.Query($"SELECT count() FROM {stored.Store.Schema.QualifiedTraceSummariesTable}"));
        Assert.InRange(stored.SummaryRows, 1, stored.Traces.Count - 1);
        Assert.InRange(total, 1, TargetBytesPerSpan);
    }

    [Fact]
    public async Task Every_kept_traces_summary_reads_back_as_stitched_whether_from_its_row_or_from_its_span_rows()
    {
        var stored = await StoredTraffic.GetAsync(chdb.Engine);
        var reader = ClickHouseSpanReader.ForEmbedded(chdb.Engine, stored.Store.Schema.Database);

        foreach (var chunk in stored.Summaries.Chunk(2_000))
        {
            var read = await TestSummaries.ReadAsync(reader, chunk);

            Assert.Equal(chunk.Length, read.Count);
            foreach (var summary in chunk)
            {
                TestSummaries.AssertReadBackEqual(summary, read[summary.TraceId.ToHex()], SchemaFlavor.Modern);
            }
        }
    }

    [Fact]
    public async Task Every_field_of_stored_traces_reads_back_as_generated()
    {
        var stored = await StoredTraffic.GetAsync(chdb.Engine);
        var reader = ClickHouseSpanReader.ForEmbedded(chdb.Engine, stored.Store.Schema.Database);
        // Every trace with a link, every 5th with an event (a quarter of kept traces are errors
        // with an exception event) and every 50th of the rest: ~1,700 traces.
        var sample = stored.Traces
            .Where((t, i) => i % 50 == 0
                || t.Scenario.AllSpans().Any(s => s.Span.Links.Count > 0)
                || (i % 5 == 0 && t.Scenario.AllSpans().Any(s => s.Span.Events.Count > 0)))
            .ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reading back {sample.Count:N0} of {stored.Traces.Count:N0} traces"));
        Assert.Contains(sample, t => t.Scenario.AllSpans().Any(s => s.Span.Links.Count > 0));
        Assert.Contains(sample, t => t.Scenario.AllSpans().Any(s => s.Span.Events.Count > 0));

        foreach (var chunk in sample.Chunk(100))
        {
            var expected = chunk.SelectMany(t => t.Scenario.AllSpans().Select(s => Render(s, t))).Order(StringComparer.Ordinal).ToList();
            var read = await reader.GetSpansAsync(chunk.Select(t => t.Scenario.Truth.TraceId.ToHex()).ToList(), CancellationToken.None);

            Assert.Equal(expected, read.Select(Render).Order(StringComparer.Ordinal).ToList());
        }
    }

    [Fact]
    public async Task A_search_by_service_operation_tag_and_time_finds_exactly_the_matching_traces()
    {
        var stored = await StoredTraffic.GetAsync(chdb.Engine);
        var reader = ClickHouseSpanReader.ForEmbedded(chdb.Engine, stored.Store.Schema.Database);
        // The middle third of the stored time: a window that cuts through traces at both ends.
        var third = (stored.EndUnixNano - StoredTraffic.StartUnixNano) / 3;
        var from = StoredTraffic.StartUnixNano + third;
        var until = from + third;

        foreach (var (operation, tag) in new (string?, KeyValuePair<string, string>?)[]
        {
            ("SELECT orders", null),
            (null, new("error", "true")),
            (null, new("http.response.status_code", "503")),
        })
        {
            var search = new TraceSearch
            {
                Service = "orders-service",
                Operation = operation,
                Tags = tag is { } t ? [t] : [],
                StartMinUnixNano = (long)from,
                StartMaxUnixNano = (long)until,
                Limit = 100_000,
            };
            var expected = stored.Traces
                .Select(trace => (Id: trace.Scenario.Truth.TraceId.ToHex(), Starts: trace.Scenario.AllSpans()
                    .Where(s => s.Resource.ServiceName == search.Service
                        && (operation is null || s.Span.Name == operation)
                        && s.Span.StartUnixNano >= from && s.Span.StartUnixNano <= until
                        && (tag is null || Matches(s.Span, tag.Value)))
                    .Select(s => (long)s.Span.StartUnixNano)
                    .ToList()))
                .Where(t => t.Starts.Count > 0)
                .Select(t => new TraceIdHit(t.Id, t.Starts.Min()))
                .OrderBy(h => h.TraceId, StringComparer.Ordinal)
                .ToList();

            var found = await reader.FindTraceIdsAsync(search, CancellationToken.None);

            Assert.NotEmpty(expected);
            Assert.Equal(expected, found.OrderBy(h => h.TraceId, StringComparer.Ordinal).ToList());
        }
    }

    private static bool Matches(SpanDetail span, KeyValuePair<string, string> tag) => tag.Key == "error"
        ? span.StatusCode == SpanStatusCode.Error
        : span.Attributes.Any(a => a.Key == tag.Key && a.Value.AsString() == tag.Value);

    /// <summary>A generated span as the reader must return it (SpanRowEncoder's text forms), one canonical line.</summary>
    private static string Render(GeneratedSpan generated, KeptTrace trace)
    {
        var s = generated.Span;
        var r = generated.Resource;
        return Line(
            s.TraceId.ToHex(), s.SpanId.ToHex(), s.ParentSpanId.ToHex(), s.TraceState, s.Name, SpanRowEncoder.SpanKindName(s.Kind), r.ServiceName,
            Map(r.Attributes.Select(a => (a.Key, a.Value.AsString()))), r.Scope.Name, r.Scope.Version, Map(s.Attributes.Select(a => (a.Key, a.Value.AsString()))),
            s.StartUnixNano.ToString(CultureInfo.InvariantCulture), (s.EndUnixNano > s.StartUnixNano ? s.EndUnixNano - s.StartUnixNano : 0).ToString(CultureInfo.InvariantCulture),
            SpanRowEncoder.StatusCodeName(s.StatusCode), s.StatusMessage,
            string.Join(";", s.Events.Select(e => Line(e.TimeUnixNano.ToString(CultureInfo.InvariantCulture), e.Name, Map(e.Attributes.Select(a => (a.Key, a.Value.AsString())))))),
            string.Join(";", s.Links.Select(l => Line(l.TraceId.ToHex(), l.SpanId.ToHex(), l.TraceState, Map(l.Attributes.Select(a => (a.Key, a.Value.AsString())))))),
            r.Region, trace.SamplingReason, trace.SampleRate.ToString(CultureInfo.InvariantCulture));
    }

    private static string Render(SpanRecord s) => Line(
        s.TraceId, s.SpanId, s.ParentSpanId, s.TraceState, s.Name, s.Kind, s.ServiceName,
        Map(s.ResourceAttributes.Select(a => (a.Key, a.Value))), s.ScopeName, s.ScopeVersion, Map(s.Attributes.Select(a => (a.Key, a.Value))),
        s.StartUnixNano.ToString(CultureInfo.InvariantCulture), s.DurationNanos.ToString(CultureInfo.InvariantCulture),
        s.StatusCode, s.StatusMessage,
        string.Join(";", s.Events.Select(e => Line(e.TimeUnixNano.ToString(CultureInfo.InvariantCulture), e.Name, Map(e.Attributes.Select(a => (a.Key, a.Value)))))),
        string.Join(";", s.Links.Select(l => Line(l.TraceId, l.SpanId, l.TraceState, Map(l.Attributes.Select(a => (a.Key, a.Value)))))),
        s.Region, s.SamplingReason, s.SampleRate.ToString(CultureInfo.InvariantCulture));

    private static string Map(IEnumerable<(string Key, string Value)> attributes) =>
        "{" + string.Join(",", attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value)) + "}";

    private static string Line(params string[] fields) => string.Join(" | ", fields);

    /// <summary>Where the bytes go, for whoever changes the schema next: per column of the span table, and per table of the database (a view holds none).</summary>
    private void WriteBreakdown(StoredTraffic stored, long rows)
    {
        var database = stored.Store.Schema.Database;
        var columns = chdb.Engine.Query(
            $"SELECT name, data_compressed_bytes, data_uncompressed_bytes FROM system.columns WHERE database = '{database}' AND table = '{TraceSchema.TracesTable}' ORDER BY data_compressed_bytes DESC");
        var text = new StringBuilder();
        foreach (var line in columns.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            var compressed = long.Parse(f[1], CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"  {f[0],-20} {(double)compressed / rows,6:0.00} B/span  ({long.Parse(f[2], CultureInfo.InvariantCulture) / Math.Max(1.0, compressed),5:0.0}x)\n");
        }
        var tables = chdb.Engine.Query($"""
            SELECT t.name, t.engine, sum(p.bytes_on_disk), sum(p.rows)
            FROM system.tables AS t LEFT JOIN (SELECT table, bytes_on_disk, rows FROM system.parts WHERE active AND database = '{database}') AS p ON p.table = t.name
            WHERE t.database = '{database}' GROUP BY t.name, t.engine ORDER BY t.name
            """);
        foreach (var line in tables.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            text.Append(CultureInfo.InvariantCulture, $"  table {f[0]} ({f[1]}, {long.Parse(f[3], CultureInfo.InvariantCulture):N0} rows): {long.Parse(f[2], CultureInfo.InvariantCulture) / (double)rows:0.00} B/span\n");
        }
        output.WriteLine(text.ToString());
    }
}
