namespace ActorTracing.Storage.Tests;

[Collection(ClickHouseServersCollection.Name)]
public sealed class ServerSchemaSpec(ClickHouseServersFixture servers)
{
    // The logical otel_traces columns in the types ClickHouse 18.16 has, as the server lists them.
    // Written out here, not taken from ServerTraceSchema, so a drift in either shows.
    private static readonly string[] ExpectedColumns =
    [
        "Timestamp DateTime",
        "TimestampNanos UInt32",
        "TraceId String",
        "SpanId String",
        "ParentSpanId String",
        "TraceState String",
        "SpanName String",
        "SpanKind String",
        "ServiceName String",
        "ResourceAttributes.Key Array(String)",
        "ResourceAttributes.Value Array(String)",
        "ScopeName String",
        "ScopeVersion String",
        "SpanAttributes.Key Array(String)",
        "SpanAttributes.Value Array(String)",
        "Duration UInt64",
        "StatusCode String",
        "StatusMessage String",
        "Events.Timestamp Array(DateTime)",
        "Events.TimestampNanos Array(UInt32)",
        "Events.Name Array(String)",
        "Events.AttributeKeys Array(Array(String))",
        "Events.AttributeValues Array(Array(String))",
        "Links.TraceId Array(String)",
        "Links.SpanId Array(String)",
        "Links.TraceState Array(String)",
        "Links.AttributeKeys Array(Array(String))",
        "Links.AttributeValues Array(Array(String))",
        "Region String",
        "SamplingReason String",
        "SampleRate UInt32",
    ];

    // The columns ClickHouseSpanReader.GetTraceSummariesAsync selects from a legacy store.
    private static readonly string[] ExpectedSummaryColumns =
    [
        "TraceId String",
        "GroupId String",
        "Timestamp DateTime",
        "Duration UInt64",
        "SpanCount UInt32",
        "Regions Array(String)",
        "Edges.ParentSpanId Array(String)",
        "Edges.SpanId Array(String)",
        "Edges.ParentRegion Array(String)",
        "Edges.Region Array(String)",
        "Edges.SkewNs Array(Int64)",
        "ArrivalLag.Region Array(String)",
        "ArrivalLag.LagMs Array(UInt32)",
        "MaxSkewNs Int64",
        "CompletionReason String",
        "SamplingReason String",
        "SampleRate UInt32",
    ];

    [Fact]
    public async Task Opening_the_shards_creates_the_same_schema_on_every_server()
    {
        var settings = servers.Settings("schema");

        var stores = await settings.OpenShardsAsync(CancellationToken.None);

        Assert.Equal(2, stores.Count);
        Assert.Equal(servers.Endpoints, stores.Select(s => s.Endpoint));
        foreach (var store in stores)
        {
            var columns = await store.Client.QueryAsync(
                $"SELECT concat(name, ' ', type) FROM system.columns WHERE database = '{settings.Database}' AND table = 'otel_traces'",
                "TabSeparated",
                CancellationToken.None);
            Assert.Equal(ExpectedColumns, Lines(columns));
            var summaryColumns = await store.Client.QueryAsync(
                $"SELECT concat(name, ' ', type) FROM system.columns WHERE database = '{settings.Database}' AND table = 'otel_trace_summaries'",
                "TabSeparated",
                CancellationToken.None);
            Assert.Equal(ExpectedSummaryColumns, Lines(summaryColumns));

            var tables = await store.Client.QueryAsync(
                $"SELECT name, engine, partition_key, sorting_key FROM system.tables WHERE database = '{settings.Database}' ORDER BY name",
                "TabSeparated",
                CancellationToken.None);
            Assert.Equal(
                [
                    "otel_trace_summaries\tMergeTree\ttoDate(Timestamp)\tTraceId, Timestamp",
                    "otel_traces\tMergeTree\ttoDate(Timestamp)\tServiceName, SpanName, Timestamp",
                    "otel_traces_trace_id_ts\tMergeTree\ttoDate(Start)\tTraceId, Start",
                    "otel_traces_trace_id_ts_mv\tMaterializedView\t\t",
                ],
                Lines(tables));
            store.Dispose();
        }
        Assert.Equal(ExpectedColumns.Select(c => c.Split(' ')[0]), ServerTraceSchema.InsertColumns);
        Assert.Equal(ExpectedSummaryColumns.Select(c => c.Split(' ')[0]), TraceSchema.SummaryInsertColumns);
    }

    [Fact]
    public async Task Opening_again_keeps_the_existing_tables_and_their_rows()
    {
        var settings = servers.Settings("reopen") with { Shards = [servers.Endpoints[0]] };
        using var first = (await settings.OpenShardsAsync(CancellationToken.None)).Single();
        await first.Client.ExecuteAsync($"INSERT INTO {first.Schema.QualifiedTracesTable} (TraceId) VALUES ('abc')", CancellationToken.None);

        using var second = (await settings.OpenShardsAsync(CancellationToken.None)).Single();

        Assert.Equal(1, (await second.GetStatsAsync(CancellationToken.None)).Rows);
    }

    [Fact]
    public async Task Expired_days_are_dropped_by_partition_and_recent_ones_kept()
    {
        var settings = servers.Settings("retention") with { Shards = [servers.Endpoints[0]], TtlDays = 3 };
        using var store = (await settings.OpenShardsAsync(CancellationToken.None)).Single();
        var today = DateTime.UtcNow.Date;
        await store.Client.ExecuteAsync(
            $"INSERT INTO {store.Schema.QualifiedTracesTable} (Timestamp, TraceId) VALUES " +
            $"('{today.AddDays(-5):yyyy-MM-dd} 10:00:00', 'old-1'), ('{today.AddDays(-4):yyyy-MM-dd} 23:59:59', 'old-2'), ('{today.AddDays(-1):yyyy-MM-dd} 10:00:00', 'new')",
            CancellationToken.None);
        await store.Client.ExecuteAsync(
            $"INSERT INTO {store.Schema.QualifiedTraceSummariesTable} (Timestamp, TraceId) VALUES " +
            $"('{today.AddDays(-5):yyyy-MM-dd} 10:00:00', 'old-1'), ('{today.AddDays(-1):yyyy-MM-dd} 10:00:00', 'new')",
            CancellationToken.None);

        var dropped = await store.DropExpiredPartitionsAsync(DateTime.UtcNow, CancellationToken.None);

        // Two days of otel_traces and of the lookup table (one trace each), one day of summaries.
        Assert.Equal(5, dropped.Count);
        Assert.Equal(
            ["new"],
            Lines(await store.Client.QueryAsync($"SELECT TraceId FROM {store.Schema.QualifiedTraceSummariesTable}", "TabSeparated", CancellationToken.None)));
        Assert.Equal(
            ["new"],
            Lines(await store.Client.QueryAsync($"SELECT TraceId FROM {store.Schema.QualifiedTracesTable}", "TabSeparated", CancellationToken.None)));
        Assert.Equal(
            ["new"],
            Lines(await store.Client.QueryAsync($"SELECT TraceId FROM {store.Schema.QualifiedTraceIdTsTable}", "TabSeparated", CancellationToken.None)));
    }

    private static string[] Lines(string tabSeparated) => tabSeparated.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
