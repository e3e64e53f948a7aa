using System.Text.Json;
using ActorTracing.Domain;

namespace ActorTracing.Storage.Tests;

[Collection(ClickHouseServersCollection.Name)]
public sealed class ServerSpanStoreSpec(ClickHouseServersFixture servers) : IAsyncLifetime
{
    private static readonly TraceId Trace = new(0x0123456789abcdefUL, 0xfedcba9876543210UL);

    private ServerSpanStore _store = null!;

    public async Task InitializeAsync()
    {
        var settings = servers.Settings("rows") with { Shards = [servers.Endpoints[1]] };
        _store = (await settings.OpenShardsAsync(CancellationToken.None)).Single();
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_row_written_as_RowBinary_reads_back_with_every_column_equal()
    {
        var start = TestSpans.BaseTimeNanos + 123_456_789;
        var span = new SpanDetail
        {
            TraceId = Trace,
            SpanId = new SpanId(0x1122334455667788UL),
            ParentSpanId = new SpanId(0x0102030405060708UL),
            TraceState = "vendor=1",
            Name = "GET /orders",
            Kind = SpanKind.Server,
            StartUnixNano = start,
            EndUnixNano = start + 45_000_000,
            Attributes =
            [
                new("http.route", AttributeValue.FromString("/orders")),
                new("http.status_code", AttributeValue.FromInt(500)),
                new("retry", AttributeValue.FromBool(true)),
            ],
            Events =
            [
                new SpanEventDetail(start + 1_000, "exception", [new("exception.type", AttributeValue.FromString("Timeout")), new("attempt", AttributeValue.FromInt(2))]),
                new SpanEventDetail(start + 2_000_000_001, "retry", []),
            ],
            Links =
            [
                new SpanLinkDetail(new TraceId(1, 2), new SpanId(3), "k=v", [new("link.kind", AttributeValue.FromString("follows"))]),
                new SpanLinkDetail(new TraceId(4, 5), new SpanId(6), string.Empty, []),
            ],
            StatusCode = SpanStatusCode.Error,
            StatusMessage = "upstream timed out, ünïcode ✓",
        };
        var encoder = new SpanRowEncoder(flavor: SchemaFlavor.Legacy);
        encoder.Append(
            span,
            [new("service.name", AttributeValue.FromString("checkout")), new("host.name", AttributeValue.FromString("h1"))],
            new ScopeDetail("io.opentelemetry.aspnetcore", "1.9.0", []),
            "eu-west",
            "rules/errors",
            10);

        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        var row = (await ReadRowsAsync(
            "toString(toUInt64(Timestamp) * 1000000000 + TimestampNanos) AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, " +
            "ResourceAttributes.Key, ResourceAttributes.Value, ScopeName, ScopeVersion, SpanAttributes.Key, SpanAttributes.Value, toString(Duration) AS duration, " +
            "StatusCode, StatusMessage, arrayMap((t, n) -> toString(toUInt64(t) * 1000000000 + n), Events.Timestamp, Events.TimestampNanos) AS event_ts, " +
            "Events.Name, Events.AttributeKeys, Events.AttributeValues, Links.TraceId, Links.SpanId, Links.TraceState, Links.AttributeKeys, Links.AttributeValues, " +
            "Region, SamplingReason, SampleRate")).Single();

        Assert.Equal(start.ToString(System.Globalization.CultureInfo.InvariantCulture), row.GetProperty("ts").GetString());
        Assert.Equal("0123456789abcdeffedcba9876543210", row.GetProperty("TraceId").GetString());
        Assert.Equal("1122334455667788", row.GetProperty("SpanId").GetString());
        Assert.Equal("0102030405060708", row.GetProperty("ParentSpanId").GetString());
        Assert.Equal("vendor=1", row.GetProperty("TraceState").GetString());
        Assert.Equal("GET /orders", row.GetProperty("SpanName").GetString());
        Assert.Equal("Server", row.GetProperty("SpanKind").GetString());
        Assert.Equal("checkout", row.GetProperty("ServiceName").GetString());
        Assert.Equal("""["service.name","host.name"]""", row.GetProperty("ResourceAttributes.Key").GetRawText());
        Assert.Equal("""["checkout","h1"]""", row.GetProperty("ResourceAttributes.Value").GetRawText());
        Assert.Equal("io.opentelemetry.aspnetcore", row.GetProperty("ScopeName").GetString());
        Assert.Equal("1.9.0", row.GetProperty("ScopeVersion").GetString());
        Assert.Equal(["http.route", "http.status_code", "retry"], Strings(row.GetProperty("SpanAttributes.Key")));
        Assert.Equal(["/orders", "500", "true"], Strings(row.GetProperty("SpanAttributes.Value")));
        Assert.Equal("45000000", row.GetProperty("duration").GetString());
        Assert.Equal("Error", row.GetProperty("StatusCode").GetString());
        Assert.Equal("upstream timed out, ünïcode ✓", row.GetProperty("StatusMessage").GetString());
        Assert.Equal([(start + 1_000).ToString(System.Globalization.CultureInfo.InvariantCulture), (start + 2_000_000_001).ToString(System.Globalization.CultureInfo.InvariantCulture)], Strings(row.GetProperty("event_ts")));
        Assert.Equal(["exception", "retry"], Strings(row.GetProperty("Events.Name")));
        Assert.Equal("""[["exception.type","attempt"],[]]""", row.GetProperty("Events.AttributeKeys").GetRawText());
        Assert.Equal("""[["Timeout","2"],[]]""", row.GetProperty("Events.AttributeValues").GetRawText());
        Assert.Equal(["00000000000000010000000000000002", "00000000000000040000000000000005"], Strings(row.GetProperty("Links.TraceId")));
        Assert.Equal(["0000000000000003", "0000000000000006"], Strings(row.GetProperty("Links.SpanId")));
        Assert.Equal(["k=v", ""], Strings(row.GetProperty("Links.TraceState")));
        Assert.Equal("""[["link.kind"],[]]""", row.GetProperty("Links.AttributeKeys").GetRawText());
        Assert.Equal("""[["follows"],[]]""", row.GetProperty("Links.AttributeValues").GetRawText());
        Assert.Equal("eu-west", row.GetProperty("Region").GetString());
        Assert.Equal("rules/errors", row.GetProperty("SamplingReason").GetString());
        Assert.Equal(10, row.GetProperty("SampleRate").GetInt32());
    }

    [Fact]
    public async Task Buffered_spans_keep_region_reason_and_rate_and_fill_the_trace_id_lookup_table()
    {
        var encoder = new SpanRowEncoder(flavor: SchemaFlavor.Legacy);
        foreach (var stored in TestSpans.Traces(traces: 2, spansPerTrace: 3, region: "ap-south").SelectMany(t => t))
        {
            encoder.Append(stored with { SamplingReason = "late/follow-decision", SampleRate = 4 });
        }
        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        var rows = await ReadRowsAsync("TraceId, ServiceName, ScopeName, SpanAttributes.Key, SpanAttributes.Value, Region, SamplingReason, SampleRate", "ORDER BY SpanId");
        Assert.Equal(6, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal("checkout", r.GetProperty("ServiceName").GetString());
            Assert.Equal("test-scope", r.GetProperty("ScopeName").GetString());
            Assert.Equal("ap-south", r.GetProperty("Region").GetString());
            Assert.Equal("late/follow-decision", r.GetProperty("SamplingReason").GetString());
            Assert.Equal(4, r.GetProperty("SampleRate").GetInt32());
        });
        Assert.Equal(["index"], Strings(rows[2].GetProperty("SpanAttributes.Key")));
        Assert.Equal(["2"], Strings(rows[2].GetProperty("SpanAttributes.Value")));

        var seconds = TestSpans.BaseTimeNanos / 1_000_000_000;
        var lookup = await _store.Client.QueryAsync(
            $"SELECT TraceId, toUnixTimestamp(Start), toUnixTimestamp(End) FROM {_store.Schema.QualifiedTraceIdTsTable} ORDER BY TraceId", "TabSeparated", CancellationToken.None);
        Assert.Equal($"00000000000010000000000000002000\t{seconds}\t{seconds}\n00000000000010010000000000002001\t{seconds}\t{seconds}\n", lookup);
    }

    [Fact]
    public async Task Stats_count_the_rows_and_their_compressed_bytes_on_disk()
    {
        Assert.Equal(StorageStats.Empty, await _store.GetStatsAsync(CancellationToken.None));
        var encoder = new SpanRowEncoder(flavor: SchemaFlavor.Legacy);
        foreach (var stored in TestSpans.Traces(traces: 50, spansPerTrace: 20).SelectMany(t => t))
        {
            encoder.Append(stored);
        }
        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        var stats = await _store.GetStatsAsync(CancellationToken.None);

        Assert.Equal(1_000, stats.Rows);
        Assert.True(stats.BytesOnDisk > 0, stats.ToString());
        Assert.True(stats.CompressionRatio > 2, $"zstd (scripts/clickhouse-server.sh) should compress these rows well: {stats}");
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray();

    private async Task<List<JsonElement>> ReadRowsAsync(string columns, string orderBy = "")
    {
        var text = await _store.Client.QueryAsync($"SELECT {columns} FROM {_store.Schema.QualifiedTracesTable} {orderBy}", "JSONEachRow", CancellationToken.None);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
    }
}
