using System.Text.Json;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Storage.Tests;

[Collection(ChdbCollection.Name)]
public sealed class SpanRowEncoderSpec
{
    private static readonly TraceId Trace = new(0x0123456789abcdefUL, 0xfedcba9876543210UL);

    private readonly ChdbEngine _engine;
    private readonly EmbeddedSpanStore _store;

    public SpanRowEncoderSpec(ChdbFixture chdb)
    {
        _engine = chdb.Engine;
        var schema = new TraceSchema(ChdbFixture.UniqueDatabase("rows"));
        schema.Apply(_engine);
        _store = new EmbeddedSpanStore(_engine, schema);
    }

    [Fact]
    public async Task A_written_row_reads_back_with_every_field_as_the_upstream_exporter_stores_it()
    {
        var span = new SpanDetail
        {
            TraceId = Trace,
            SpanId = new SpanId(0x1122334455667788UL),
            ParentSpanId = new SpanId(0x0102030405060708UL),
            TraceState = "vendor=1",
            Name = "GET /orders",
            Kind = SpanKind.Server,
            StartUnixNano = TestSpans.BaseTimeNanos + 123,
            EndUnixNano = TestSpans.BaseTimeNanos + 123 + 45_000_000,
            Attributes =
            [
                new("http.route", AttributeValue.FromString("/orders")),
                new("http.status_code", AttributeValue.FromInt(500)),
                new("retry", AttributeValue.FromBool(true)),
            ],
            Events = [new SpanEventDetail(TestSpans.BaseTimeNanos + 1_000, "exception", [new("exception.type", AttributeValue.FromString("Timeout"))])],
            Links = [new SpanLinkDetail(new TraceId(1, 2), new SpanId(3), "k=v", [new("link.kind", AttributeValue.FromString("follows"))])],
            StatusCode = SpanStatusCode.Error,
            StatusMessage = "upstream timed out",
        };
        var encoder = new SpanRowEncoder();
        encoder.Append(
            span,
            [new("service.name", AttributeValue.FromString("checkout")), new("host.name", AttributeValue.FromString("h1"))],
            new ScopeDetail("io.opentelemetry.aspnetcore", "1.9.0", []),
            "eu-west",
            "rules/errors",
            10);

        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        var row = ReadRows(
            "toUnixTimestamp64Nano(Timestamp) AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, " +
            "ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage, " +
            "arrayMap(t -> toUnixTimestamp64Nano(t), Events.Timestamp) AS event_ts, Events.Name, Events.Attributes, " +
            "Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes, Region, SamplingReason, SampleRate").Single();

        Assert.Equal(TestSpans.BaseTimeNanos + 123, row.GetProperty("ts").GetUInt64());
        Assert.Equal("0123456789abcdeffedcba9876543210", row.GetProperty("TraceId").GetString());
        Assert.Equal("1122334455667788", row.GetProperty("SpanId").GetString());
        Assert.Equal("0102030405060708", row.GetProperty("ParentSpanId").GetString());
        Assert.Equal("vendor=1", row.GetProperty("TraceState").GetString());
        Assert.Equal("GET /orders", row.GetProperty("SpanName").GetString());
        Assert.Equal("Server", row.GetProperty("SpanKind").GetString());
        Assert.Equal("checkout", row.GetProperty("ServiceName").GetString());
        Assert.Equal(new Dictionary<string, string> { ["service.name"] = "checkout", ["host.name"] = "h1" }, Map(row.GetProperty("ResourceAttributes")));
        Assert.Equal("io.opentelemetry.aspnetcore", row.GetProperty("ScopeName").GetString());
        Assert.Equal("1.9.0", row.GetProperty("ScopeVersion").GetString());
        Assert.Equal(
            new Dictionary<string, string> { ["http.route"] = "/orders", ["http.status_code"] = "500", ["retry"] = "true" },
            Map(row.GetProperty("SpanAttributes")));
        Assert.Equal(45_000_000UL, row.GetProperty("Duration").GetUInt64());
        Assert.Equal("Error", row.GetProperty("StatusCode").GetString());
        Assert.Equal("upstream timed out", row.GetProperty("StatusMessage").GetString());
        Assert.Equal($"[{TestSpans.BaseTimeNanos + 1_000}]", row.GetProperty("event_ts").GetRawText());
        Assert.Equal("""["exception"]""", row.GetProperty("Events.Name").GetRawText());
        Assert.Equal("""[{"exception.type":"Timeout"}]""", row.GetProperty("Events.Attributes").GetRawText());
        Assert.Equal("""["00000000000000010000000000000002"]""", row.GetProperty("Links.TraceId").GetRawText());
        Assert.Equal("""["0000000000000003"]""", row.GetProperty("Links.SpanId").GetRawText());
        Assert.Equal("""["k=v"]""", row.GetProperty("Links.TraceState").GetRawText());
        Assert.Equal("""[{"link.kind":"follows"}]""", row.GetProperty("Links.Attributes").GetRawText());
        Assert.Equal("eu-west", row.GetProperty("Region").GetString());
        Assert.Equal("rules/errors", row.GetProperty("SamplingReason").GetString());
        Assert.Equal(10, row.GetProperty("SampleRate").GetInt32());
    }

    [Fact]
    public async Task A_root_span_has_an_empty_parent_and_an_inverted_clock_gives_zero_duration()
    {
        var encoder = new SpanRowEncoder();
        encoder.Append(
            new SpanDetail { TraceId = Trace, SpanId = new SpanId(9), Name = "root", StartUnixNano = TestSpans.BaseTimeNanos + 10, EndUnixNano = TestSpans.BaseTimeNanos },
            [],
            new ScopeDetail(string.Empty, string.Empty, []),
            string.Empty,
            "probabilistic/api",
            1);

        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        var row = ReadRows("ParentSpanId, Duration, SpanKind, StatusCode, ServiceName").Single();
        Assert.Equal(string.Empty, row.GetProperty("ParentSpanId").GetString());
        Assert.Equal(0UL, row.GetProperty("Duration").GetUInt64());
        Assert.Equal("Unspecified", row.GetProperty("SpanKind").GetString());
        Assert.Equal("Unset", row.GetProperty("StatusCode").GetString());
        Assert.Equal(string.Empty, row.GetProperty("ServiceName").GetString());
    }

    [Fact]
    public async Task Buffered_spans_are_decoded_from_their_raw_bytes_with_each_origin_decoded_once_per_batch()
    {
        var traces = TestSpans.Traces(traces: 2, spansPerTrace: 3, region: "ap-south");
        var encoder = new SpanRowEncoder();
        foreach (var stored in traces.SelectMany(t => t))
        {
            encoder.Append(stored with { SamplingReason = "late/follow-decision", SampleRate = 4 });
        }

        Assert.Equal(6, encoder.Rows);
        Assert.Equal(1, encoder.DecodedOrigins);
        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        var rows = ReadRows("TraceId, SpanId, SpanName, ServiceName, ScopeName, ScopeVersion, SpanAttributes, Region, SamplingReason, SampleRate", "ORDER BY SpanId");
        Assert.Equal(6, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal("checkout", r.GetProperty("ServiceName").GetString());
            Assert.Equal("test-scope", r.GetProperty("ScopeName").GetString());
            Assert.Equal("1.0", r.GetProperty("ScopeVersion").GetString());
            Assert.Equal("ap-south", r.GetProperty("Region").GetString());
            Assert.Equal("late/follow-decision", r.GetProperty("SamplingReason").GetString());
            Assert.Equal(4, r.GetProperty("SampleRate").GetInt32());
        });
        Assert.Equal("00000000000010000000000000002000", rows[0].GetProperty("TraceId").GetString());
        Assert.Equal("0000000000000001", rows[0].GetProperty("SpanId").GetString());
        Assert.Equal("GET /orders", rows[0].GetProperty("SpanName").GetString());
        Assert.Equal("""{"index":"2"}""", rows[2].GetProperty("SpanAttributes").GetRawText());
    }

    [Fact]
    public void Reset_starts_a_new_batch_and_forgets_cached_origins()
    {
        var stored = TestSpans.Traces(1, 1)[0][0];
        var encoder = new SpanRowEncoder();
        encoder.Append(stored);
        var oneRow = encoder.Written.Length;

        encoder.Reset();
        encoder.Append(stored);

        Assert.Equal(1, encoder.Rows);
        Assert.Equal(oneRow, encoder.Written.Length);
        Assert.Equal(1, encoder.DecodedOrigins);
    }

    [Fact]
    public async Task The_trace_id_lookup_view_records_each_traces_first_and_last_start_late_spans_included()
    {
        var encoder = new SpanRowEncoder();
        var trace = TestSpans.Traces(traces: 1, spansPerTrace: 3)[0];
        foreach (var stored in trace)
        {
            encoder.Append(stored, "got_root");
        }
        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);
        // A late span of the trace, two seconds after its decision's, in an insert of its own.
        encoder.Reset();
        encoder.Append(
            TestSpans.Span(trace[0].Span.TraceId, 0x99, 1) with { StartUnixNano = TestSpans.BaseTimeNanos + 2_000_000_000, EndUnixNano = TestSpans.BaseTimeNanos + 2_100_000_000 },
            [new("service.name", AttributeValue.FromString("checkout"))],
            new ScopeDetail("test-scope", "1.0", []),
            "test-region",
            "late/follow-decision",
            1);
        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        var lookup = _engine.Query($"SELECT TraceId, toUnixTimestamp(Start), toUnixTimestamp(End) FROM {_store.Schema.QualifiedTraceIdTsTable}");
        var seconds = TestSpans.BaseTimeNanos / 1_000_000_000;
        Assert.Equal($"00000000000010000000000000002000\t{seconds}\t{seconds + 2}\n", lookup);
    }

    [Fact]
    public async Task Stats_count_the_stored_rows_and_their_bytes_on_disk()
    {
        Assert.Equal(StorageStats.Empty, await _store.GetStatsAsync(CancellationToken.None));
        var encoder = new SpanRowEncoder();
        foreach (var stored in TestSpans.Traces(traces: 5, spansPerTrace: 4).SelectMany(t => t))
        {
            encoder.Append(stored);
        }
        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        var stats = await _store.GetStatsAsync(CancellationToken.None);

        Assert.Equal(20, stats.Rows);
        Assert.True(stats.BytesOnDisk > 0, $"bytes on disk: {stats.BytesOnDisk}");
        Assert.True(stats.UncompressedBytes > 0 && stats.CompressedBytes > 0, stats.ToString());
    }

    [Fact]
    public async Task The_same_rows_go_into_a_table_of_upstreams_own_layout_and_read_back_identically()
    {
        // Tables created before the size-tuned layout, and the collector exporter's own, have
        // upstream's String types and sort order: they must keep taking the rows we encode, once
        // the schema is applied to them as the store does on opening (it adds our last column).
        var upstream = new TraceSchema(ChdbFixture.UniqueDatabase("upstream"));
        _engine.Execute(upstream.CreateDatabaseSql());
        _engine.Execute(UpstreamTracesTableSql(upstream.QualifiedTracesTable));
        upstream.Apply(_engine);
        var encoder = new SpanRowEncoder();
        foreach (var stored in TestSpans.Traces(traces: 3, spansPerTrace: 4).SelectMany(t => t))
        {
            encoder.Append(stored);
        }
        encoder.Append(
            TestSpans.Span(Trace, 0x77, 1) with
            {
                Events = [new SpanEventDetail(TestSpans.BaseTimeNanos + 5, "exception", [new("exception.type", AttributeValue.FromString("Timeout"))])],
                Links = [new SpanLinkDetail(new TraceId(1, 2), new SpanId(3), "k=v", [new("link.kind", AttributeValue.FromString("follows"))])],
                StatusCode = SpanStatusCode.Error,
            },
            [new("service.name", AttributeValue.FromString("checkout"))],
            new ScopeDetail("scope", "1.0", []),
            "eu-west",
            "rules/errors",
            1);

        await _store.WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);
        await new EmbeddedSpanStore(_engine, upstream).WriteAsync(encoder.Written, encoder.Rows, CancellationToken.None);

        string All(string table) => _engine.Query($"SELECT * FROM {table} ORDER BY TraceId, SpanId", "JSONEachRow");
        Assert.Equal(13, All(upstream.QualifiedTracesTable).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(All(upstream.QualifiedTracesTable), All(_store.Schema.QualifiedTracesTable));
    }

    /// <summary>otel_traces as the collector's clickhouseexporter creates it (traces_table.sql), without the TTL.</summary>
    private static string UpstreamTracesTableSql(string table) => $"""
        CREATE TABLE {table} (
            Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
            TraceId String CODEC(ZSTD(1)),
            SpanId String CODEC(ZSTD(1)),
            ParentSpanId String CODEC(ZSTD(1)),
            TraceState String CODEC(ZSTD(1)),
            SpanName LowCardinality(String) CODEC(ZSTD(1)),
            SpanKind LowCardinality(String) CODEC(ZSTD(1)),
            ServiceName LowCardinality(String) CODEC(ZSTD(1)),
            ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            ScopeName String CODEC(ZSTD(1)),
            ScopeVersion String CODEC(ZSTD(1)),
            SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            Duration UInt64 CODEC(ZSTD(1)),
            StatusCode LowCardinality(String) CODEC(ZSTD(1)),
            StatusMessage String CODEC(ZSTD(1)),
            Events Nested (
                Timestamp DateTime64(9),
                Name LowCardinality(String),
                Attributes Map(LowCardinality(String), String)
            ) CODEC(ZSTD(1)),
            Links Nested (
                TraceId String,
                SpanId String,
                TraceState String,
                Attributes Map(LowCardinality(String), String)
            ) CODEC(ZSTD(1)),
            Region LowCardinality(String) CODEC(ZSTD(1)),
            SamplingReason LowCardinality(String) CODEC(ZSTD(1)),
            SampleRate UInt32 CODEC(ZSTD(1)),
            INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
        """;

    private static Dictionary<string, string> Map(JsonElement map) =>
        map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty);

    private List<JsonElement> ReadRows(string columns, string orderBy = "")
    {
        // 64-bit numbers unquoted whatever the server default, so they compare as numbers.
        var output = _engine.Query(
            $"SELECT {columns} FROM {_store.Schema.QualifiedTracesTable} {orderBy} SETTINGS output_format_json_quote_64bit_integers = 0",
            "JSONEachRow");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
    }
}
