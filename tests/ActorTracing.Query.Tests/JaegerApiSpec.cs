using System.Net;
using System.Text.Json;
using ActorTracing.Storage;

namespace ActorTracing.Query.Tests;

[Collection(ChdbCollection.Name)]
public sealed class JaegerApiSpec(ChdbFixture chdb)
{
    private Task<QueryServer> Server() => chdb.Shared(nameof(JaegerApiSpec), async () =>
    {
        var db = ChdbFixture.UniqueDatabase("api");
        TraceData.Write(chdb.Engine, db, TraceData.All, TraceData.Summaries);
        return await QueryServer.StartAsync(ClickHouseSpanReader.ForEmbedded(chdb.Engine, db));
    });

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        var server = await Server();
        using var response = await server.Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }

    private async Task<JsonElement> OkAsync(string path)
    {
        var (status, body) = await GetAsync(path);
        Assert.True(status == HttpStatusCode.OK, $"{path}: {status} {body}");
        return body;
    }

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];

    private static JsonElement Tag(JsonElement tags, string key) => tags.EnumerateArray().Single(t => t.GetProperty("key").GetString() == key);

    [Fact]
    public async Task Services_come_in_the_Jaeger_envelope()
    {
        var body = await OkAsync("/api/services");
        Assert.Equal(["cdn", "checkout", "edge-gateway", "static-assets"], Strings(body.GetProperty("data")));
        Assert.Equal(4, body.GetProperty("total").GetInt32());
        Assert.Equal(0, body.GetProperty("limit").GetInt32());
        Assert.Equal(0, body.GetProperty("offset").GetInt32());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("errors").ValueKind);
    }

    [Fact]
    public async Task Operations_of_a_service_are_names_and_the_operations_endpoint_adds_span_kinds()
    {
        Assert.Equal(["GET /checkout", "cache lookup"], Strings((await OkAsync("/api/services/edge-gateway/operations")).GetProperty("data")));
        var ops = (await OkAsync("/api/operations?service=edge-gateway")).GetProperty("data");
        Assert.Equal(
            [("GET /checkout", "server"), ("cache lookup", "client")],
            ops.EnumerateArray().Select(o => (o.GetProperty("name").GetString(), o.GetProperty("spanKind").GetString())).ToList());
        var clients = (await OkAsync("/api/operations?service=edge-gateway&spanKind=client")).GetProperty("data");
        Assert.Equal("cache lookup", Assert.Single(clients.EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_trace_by_id_has_Jaeger_spans_processes_typed_tags_logs_and_references()
    {
        var trace = Assert.Single((await OkAsync($"/api/traces/{TraceData.TraceA}")).GetProperty("data").EnumerateArray());
        Assert.Equal(TraceData.TraceA, trace.GetProperty("traceID").GetString());
        var spans = trace.GetProperty("spans").EnumerateArray().ToDictionary(s => s.GetProperty("spanID").GetString()!);
        Assert.Equal(4, spans.Count);

        var root = spans[TraceData.Hex(TraceData.A1)];
        Assert.Equal("GET /checkout", root.GetProperty("operationName").GetString());
        Assert.Equal(TraceData.BaseNanos / 1000, root.GetProperty("startTime").GetInt64());
        Assert.Equal(250_000, root.GetProperty("duration").GetInt64());
        Assert.Equal(1, root.GetProperty("flags").GetInt32());
        Assert.Empty(root.GetProperty("references").EnumerateArray());
        var tags = root.GetProperty("tags");
        Assert.Equal(("int64", 200L), (Tag(tags, "http.status_code").GetProperty("type").GetString(), Tag(tags, "http.status_code").GetProperty("value").GetInt64()));
        Assert.Equal(("bool", false), (Tag(tags, "cache.hit").GetProperty("type").GetString(), Tag(tags, "cache.hit").GetProperty("value").GetBoolean()));
        Assert.Equal(("float64", 0.25), (Tag(tags, "sample.ratio").GetProperty("type").GetString(), Tag(tags, "sample.ratio").GetProperty("value").GetDouble()));
        Assert.Equal(("string", "01234"), (Tag(tags, "zip").GetProperty("type").GetString(), Tag(tags, "zip").GetProperty("value").GetString()));
        Assert.Equal(("string", "[\"a\",\"b\"]"), (Tag(tags, "labels").GetProperty("type").GetString(), Tag(tags, "labels").GetProperty("value").GetString()));
        Assert.Equal("server", Tag(tags, "span.kind").GetProperty("value").GetString());
        Assert.Equal("rules/slow", Tag(tags, "sampling.reason").GetProperty("value").GetString());
        Assert.Equal(1, Tag(tags, "sampling.rate").GetProperty("value").GetInt64());
        Assert.Equal("got_root", Tag(tags, "trace.completion_reason").GetProperty("value").GetString());
        Assert.Equal(TraceData.GroupId, Tag(tags, "correlation.group_id").GetProperty("value").GetString());
        Assert.Equal(TraceData.TraceB, Tag(tags, "correlation.linked_trace_ids").GetProperty("value").GetString());

        var child = spans[TraceData.Hex(TraceData.A2)];
        var parentRef = Assert.Single(child.GetProperty("references").EnumerateArray());
        Assert.Equal(("CHILD_OF", TraceData.TraceA, TraceData.Hex(TraceData.A1)), (parentRef.GetProperty("refType").GetString(), parentRef.GetProperty("traceID").GetString(), parentRef.GetProperty("spanID").GetString()));
        Assert.Equal(TraceData.EuWest, Tag(child.GetProperty("tags"), "cross_region.parent_region").GetProperty("value").GetString());
        Assert.Contains("clock skew of 2ms", Assert.Single(child.GetProperty("warnings").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(child.GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "sampling.reason");

        var charge = spans[TraceData.Hex(TraceData.A3)];
        var refs = charge.GetProperty("references").EnumerateArray().ToList();
        Assert.Equal(["CHILD_OF", "FOLLOWS_FROM"], refs.Select(r => r.GetProperty("refType").GetString()));
        Assert.Equal(TraceData.TraceC, refs[1].GetProperty("traceID").GetString());
        Assert.True(Tag(charge.GetProperty("tags"), "error").GetProperty("value").GetBoolean());
        Assert.Equal("ERROR", Tag(charge.GetProperty("tags"), "otel.status_code").GetProperty("value").GetString());
        Assert.Equal("card declined", Tag(charge.GetProperty("tags"), "otel.status_description").GetProperty("value").GetString());
        var log = Assert.Single(charge.GetProperty("logs").EnumerateArray());
        Assert.Equal((TraceData.BaseNanos / 1000) + 20_000, log.GetProperty("timestamp").GetInt64());
        Assert.Equal("retry", Tag(log.GetProperty("fields"), "event").GetProperty("value").GetString());
        Assert.Equal(2, Tag(log.GetProperty("fields"), "attempt").GetProperty("value").GetInt64());

        var processes = trace.GetProperty("processes");
        var rootProcess = processes.GetProperty(root.GetProperty("processID").GetString()!);
        var childProcess = processes.GetProperty(child.GetProperty("processID").GetString()!);
        Assert.Equal(("edge-gateway", TraceData.EuWest), (rootProcess.GetProperty("serviceName").GetString(), Tag(rootProcess.GetProperty("tags"), "region").GetProperty("value").GetString()));
        Assert.Equal(("checkout", TraceData.UsEast), (childProcess.GetProperty("serviceName").GetString(), Tag(childProcess.GetProperty("tags"), "region").GetProperty("value").GetString()));
        Assert.Equal("edge-gateway-eu-west", Tag(rootProcess.GetProperty("tags"), "host.name").GetProperty("value").GetString());
        Assert.Equal(["p1", "p2"], processes.EnumerateObject().Select(p => p.Name).Order());

        var warnings = Strings(trace.GetProperty("warnings"));
        Assert.Contains(warnings, w => w!.Contains("clock skew of 2ms between regions eu-west → us-east", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w!.Contains($"correlation group {TraceData.GroupId}", StringComparison.Ordinal) && w.Contains(TraceData.TraceB, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_trace_without_a_summary_still_renders_with_the_reason_from_its_spans()
    {
        var trace = Assert.Single((await OkAsync($"/api/traces/{TraceData.TraceC}")).GetProperty("data").EnumerateArray());
        var root = trace.GetProperty("spans").EnumerateArray().Single(s => s.GetProperty("references").GetArrayLength() == 0);
        Assert.Equal("probabilistic/static", Tag(root.GetProperty("tags"), "sampling.reason").GetProperty("value").GetString());
        Assert.Equal(1000, Tag(root.GetProperty("tags"), "sampling.rate").GetProperty("value").GetInt64());
        Assert.Equal(JsonValueKind.Null, trace.GetProperty("warnings").ValueKind);
        Assert.False(trace.GetProperty("actortracing").GetProperty("hasSummary").GetBoolean());
    }

    [Fact]
    public async Task A_trace_whose_summary_lives_in_its_span_rows_renders_with_it()
    {
        // The embedded store writes no summary row for a single-region trace: its decision's rows
        // carry the completion reason, and the reader rebuilds the summary from them.
        var db = ChdbFixture.UniqueDatabase("derived");
        var schema = new TraceSchema(db);
        schema.Apply(chdb.Engine);
        var encoder = new SpanRowEncoder();
        foreach (var s in TraceData.Build().Where(s => s.Span.TraceId == TraceData.Id(TraceData.TraceC)))
        {
            encoder.Append(s.Span, [new("service.name", ActorTracing.Domain.AttributeValue.FromString(s.Service))], new ActorTracing.Domain.ScopeDetail("fixture-scope", "1.2.3", []), s.Region, s.Reason, s.Rate, "expired/no_root");
        }
        chdb.Engine.StreamInsert(schema.InsertSql, "RowBinary", encoder.Written.Span);
        await using var server = await QueryServer.StartAsync(ClickHouseSpanReader.ForEmbedded(chdb.Engine, db));
        using var response = await server.Client.GetAsync(new Uri($"/api/traces/{TraceData.TraceC}", UriKind.Relative));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var trace = Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray());
        var extension = trace.GetProperty("actortracing");
        Assert.True(extension.GetProperty("hasSummary").GetBoolean());
        Assert.Equal("expired/no_root", extension.GetProperty("completionReason").GetString());
        Assert.Equal([TraceData.EuWest], Strings(extension.GetProperty("regions")));
        var lag = Assert.Single(extension.GetProperty("arrivalLag").EnumerateArray());
        Assert.Equal((TraceData.EuWest, 0), (lag.GetProperty("region").GetString(), lag.GetProperty("lagMs").GetInt32()));
        var root = trace.GetProperty("spans").EnumerateArray().Single(s => s.GetProperty("references").GetArrayLength() == 0);
        Assert.Equal("expired/no_root", Tag(root.GetProperty("tags"), "trace.completion_reason").GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_trace_id_is_case_insensitive_and_may_drop_leading_zeros()
    {
        var trace = Assert.Single((await OkAsync($"/api/traces/{TraceData.TraceA.ToUpperInvariant()}")).GetProperty("data").EnumerateArray());
        Assert.Equal(TraceData.TraceA, trace.GetProperty("traceID").GetString());
        var (status, _) = await GetAsync("/api/traces/" + TraceData.TraceA[1..]);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Search_returns_whole_traces_newest_first_and_filters_by_service_operation_tags_duration_and_time()
    {
        static List<string?> Ids(JsonElement body) => [.. body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("traceID").GetString())];
        Assert.Equal([TraceData.TraceC, TraceData.TraceB, TraceData.TraceA], Ids(await OkAsync("/api/traces")));
        var byService = await OkAsync("/api/traces?service=checkout&operation=POST%20%2Forders");
        Assert.Equal([TraceData.TraceB, TraceData.TraceA], Ids(byService));
        Assert.Equal(4, byService.GetProperty("data")[1].GetProperty("spans").GetArrayLength());
        Assert.Equal([TraceData.TraceB], Ids(await OkAsync("/api/traces?tags=" + Uri.EscapeDataString("{\"http.status_code\":\"500\"}"))));
        Assert.Equal([TraceData.TraceB], Ids(await OkAsync("/api/traces?tag=http.status_code:500")));
        Assert.Equal([TraceData.TraceB, TraceData.TraceA], Ids(await OkAsync("/api/traces?tags=" + Uri.EscapeDataString("{\"error\":\"true\"}"))));
        Assert.Equal([TraceData.TraceB], Ids(await OkAsync("/api/traces?minDuration=1.2s")));
        Assert.Equal([TraceData.TraceC], Ids(await OkAsync("/api/traces?maxDuration=100us")));
        Assert.Equal([TraceData.TraceB, TraceData.TraceA], Ids(await OkAsync("/api/traces?minDuration=100ms&maxDuration=2s&service=checkout")));
        Assert.Equal([TraceData.TraceC], Ids(await OkAsync("/api/traces?limit=1")));
        Assert.Contains(TraceData.TraceD, Ids(await OkAsync("/api/traces?lookback=3h")));
        var start = (TraceData.BaseNanos / 1000) + 30_000_000;
        var end = (TraceData.BaseNanos / 1000) + 90_000_000;
        Assert.Equal([TraceData.TraceB], Ids(await OkAsync($"/api/traces?start={start}&end={end}")));
        Assert.Equal([TraceData.TraceA, TraceData.TraceC], Ids(await OkAsync($"/api/traces?traceID={TraceData.TraceA}&traceID={TraceData.TraceC}")));
    }

    [Fact]
    public async Task Dependencies_are_parent_child_call_counts_in_the_lookback()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var links = (await OkAsync($"/api/dependencies?endTs={now}&lookback=3600000")).GetProperty("data").EnumerateArray()
            .Select(l => (l.GetProperty("parent").GetString(), l.GetProperty("child").GetString(), l.GetProperty("callCount").GetInt64()))
            .ToList();
        Assert.Equal([("edge-gateway", "checkout", 1L), ("static-assets", "cdn", 1L)], links);
        Assert.Empty((await OkAsync($"/api/dependencies?endTs={now - 86_400_000}&lookback=60000")).GetProperty("data").EnumerateArray());
    }

    [Theory]
    [InlineData("/api/traces?minDuration=fast", "minDuration")]
    [InlineData("/api/traces?maxDuration=12", "maxDuration")]
    [InlineData("/api/traces?minDuration=2s&maxDuration=1s", "maxDuration")]
    [InlineData("/api/traces?start=yesterday", "start")]
    [InlineData("/api/traces?end=-5", "end")]
    [InlineData("/api/traces?start=2000&end=1000", "start")]
    [InlineData("/api/traces?limit=ten", "limit")]
    [InlineData("/api/traces?tags=%7Bnot-json", "tags")]
    [InlineData("/api/traces?tags=%5B1%5D", "tags")]
    [InlineData("/api/traces?tag=nocolon", "tag")]
    [InlineData("/api/traces?lookback=1x", "lookback")]
    [InlineData("/api/traces?traceID=xyz", "traceID")]
    [InlineData("/api/traces/not-hex", "traceID")]
    [InlineData("/api/traces/00000000000000000000000000000000", "traceID")]
    [InlineData("/api/operations", "service")]
    [InlineData("/api/operations?service=checkout&spanKind=sideways", "spanKind")]
    [InlineData("/api/dependencies?endTs=soon", "endTs")]
    [InlineData("/api/dependencies?lookback=-1", "lookback")]
    [InlineData("/api/v3/traces?query.start_time_min=yesterday", "query.start_time_min")]
    [InlineData("/api/v3/traces?query.duration_min=5parsecs", "query.duration_min")]
    [InlineData("/api/v3/traces?query.num_traces=-3", "query.num_traces")]
    [InlineData("/api/v3/traces?query.attributes=nope", "query.attributes")]
    public async Task A_bad_parameter_is_a_400_naming_it(string path, string parameter)
    {
        var (status, body) = await GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.StartsWith(parameter + ":", error.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_trace_is_a_404_in_the_same_envelope()
    {
        foreach (var path in new[] { $"/api/traces/{TraceData.UnknownTrace}", $"/api/v3/traces/{TraceData.UnknownTrace}" })
        {
            var (status, body) = await GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
            var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
            Assert.Equal((404, "trace not found", TraceData.UnknownTrace), (error.GetProperty("code").GetInt32(), error.GetProperty("msg").GetString(), error.GetProperty("traceID").GetString()));
        }
        var (unknownRoute, _) = await GetAsync("/api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, unknownRoute);
    }

    [Fact]
    public async Task V3_returns_a_trace_as_OTLP_JSON_resource_spans()
    {
        var body = await OkAsync($"/api/v3/traces/{TraceData.TraceA}");
        var resourceSpans = body.GetProperty("result").GetProperty("resourceSpans").EnumerateArray().ToList();
        Assert.Equal(2, resourceSpans.Count);
        var spans = resourceSpans.SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray()).SelectMany(s => s.GetProperty("spans").EnumerateArray()).ToList();
        Assert.Equal(4, spans.Count);
        var root = spans.Single(s => s.GetProperty("spanId").GetString() == TraceData.Hex(TraceData.A1));
        Assert.Equal((TraceData.TraceA, 2), (root.GetProperty("traceId").GetString(), root.GetProperty("kind").GetInt32()));
        Assert.Equal(TraceData.BaseNanos.ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("startTimeUnixNano").GetString());
        var attributes = root.GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value"));
        Assert.Equal("200", attributes["http.status_code"].GetProperty("intValue").GetString());
        Assert.False(attributes["cache.hit"].GetProperty("boolValue").GetBoolean());
        Assert.Equal(0.25, attributes["sample.ratio"].GetProperty("doubleValue").GetDouble());
        Assert.Equal("rules/slow", attributes["sampling.reason"].GetProperty("stringValue").GetString());
        var resource = resourceSpans.Single(r => r.GetProperty("scopeSpans")[0].GetProperty("spans").EnumerateArray().Any(s => s.GetProperty("spanId").GetString() == TraceData.Hex(TraceData.A1)));
        var resourceAttributes = resource.GetProperty("resource").GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value").GetProperty("stringValue").GetString());
        Assert.Equal(("edge-gateway", TraceData.EuWest), (resourceAttributes["service.name"], resourceAttributes["region"]));
        Assert.Equal("fixture-scope", resource.GetProperty("scopeSpans")[0].GetProperty("scope").GetProperty("name").GetString());
        var charge = spans.Single(s => s.GetProperty("spanId").GetString() == TraceData.Hex(TraceData.A3));
        Assert.Equal((2, "card declined"), (charge.GetProperty("status").GetProperty("code").GetInt32(), charge.GetProperty("status").GetProperty("message").GetString()));
        Assert.Equal("retry", Assert.Single(charge.GetProperty("events").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(TraceData.TraceC, Assert.Single(charge.GetProperty("links").EnumerateArray()).GetProperty("traceId").GetString());
        Assert.Equal(TraceData.Hex(TraceData.A2), charge.GetProperty("parentSpanId").GetString());
    }

    [Fact]
    public async Task V3_search_takes_query_dot_parameters()
    {
        static List<string?> TraceIds(JsonElement body) => [.. body.GetProperty("result").GetProperty("resourceSpans").EnumerateArray()
            .SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray()).SelectMany(s => s.GetProperty("spans").EnumerateArray())
            .Select(s => s.GetProperty("traceId").GetString()).Distinct()];
        var min = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal([TraceData.TraceB, TraceData.TraceA], TraceIds(await OkAsync($"/api/v3/traces?query.service_name=checkout&query.start_time_min={min}")));
        Assert.Equal([TraceData.TraceB], TraceIds(await OkAsync("/api/v3/traces?query.service_name=checkout&query.duration_min=1s")));
        Assert.Equal([TraceData.TraceB], TraceIds(await OkAsync("/api/v3/traces?query.attributes=" + Uri.EscapeDataString("{\"http.status_code\":\"500\"}"))));
        Assert.Equal([TraceData.TraceA], TraceIds(await OkAsync("/api/v3/traces?query.operation_name=cache%20lookup&query.num_traces=5")));
        Assert.Equal(["cdn", "checkout", "edge-gateway", "static-assets"], Strings((await OkAsync("/api/v3/services")).GetProperty("services")));
    }

    [Fact]
    public async Task The_overview_defaults_to_a_note_that_no_source_is_registered()
    {
        var body = await OkAsync("/api/overview");
        Assert.Equal(EmptyPipelineOverviewSource.Note, Assert.Single(body.GetProperty("notes").EnumerateArray()).GetString());
        Assert.Equal(0, body.GetProperty("bufferedTraces").GetInt64());
        Assert.Equal(JsonValueKind.Object, body.GetProperty("decisionsByReason").ValueKind);
    }

    [Fact]
    public async Task The_UI_is_served_from_embedded_files()
    {
        var server = await Server();
        var page = await server.Client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("/ui/app.js", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", page, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
        using var script = await server.Client.GetAsync(new Uri("/ui/app.js", UriKind.Relative));
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        using var missing = await server.Client.GetAsync(new Uri("/ui/nope.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
