using System.Globalization;
using ActorTracing.Domain;
using ActorTracing.Storage;

namespace ActorTracing.Query.Tests;

/// <summary>
/// The fixture traces every query spec reads, written the way production writes them
/// (SpanRowEncoder → streaming RowBinary insert) plus summary rows in the otel_trace_summaries
/// shape the pipeline is adding:
/// A: a cross-region trace (edge-gateway in eu-west → checkout in us-east, whose span starts 2 ms
///    before its parent: clock skew), with typed attributes, an event, a link, an error span and
///    a summary in correlation group "grp-1";
/// B: a slow failing checkout trace, also in "grp-1";
/// C: a static-assets → cdn trace without summary (rate 1000);
/// D: a checkout trace two hours old, outside the default one-hour lookback.
/// </summary>
internal static class TraceData
{
    public const string TraceA = "0af7651916cd43dd8448eb211c80319c";
    public const string TraceB = "1bf7651916cd43dd8448eb211c80319c";
    public const string TraceC = "2cf7651916cd43dd8448eb211c80319c";
    public const string TraceD = "3df7651916cd43dd8448eb211c80319c";
    public const string UnknownTrace = "4ef7651916cd43dd8448eb211c80319c";

    public const ulong A1 = 0xa1a1a1a1a1a1a1a1, A2 = 0xa2a2a2a2a2a2a2a2, A3 = 0xa3a3a3a3a3a3a3a3, A4 = 0xa4a4a4a4a4a4a4a4;
    public const ulong B1 = 0xb1b1b1b1b1b1b1b1, C1 = 0xc1c1c1c1c1c1c1c1, C2 = 0xc2c2c2c2c2c2c2c2, D1 = 0xd1d1d1d1d1d1d1d1;

    public const string EuWest = "eu-west";
    public const string UsEast = "us-east";
    public const string GroupId = "grp-1";
    public const long SkewNanos = 2_000_000;

    private const long Ms = 1_000_000;

    /// <summary>Ten minutes ago, whole seconds: inside the default lookback and the tables' TTL.</summary>
    public static readonly long BaseNanos = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600) * 1_000_000_000L;

    public static string Hex(ulong spanId) => new SpanId(spanId).ToHex();

    public static IReadOnlyList<FixtureSpan> All { get; } = Build();

    public static IReadOnlyList<FixtureSpan> Build()
    {
        var a = Id(TraceA);
        var b = Id(TraceB);
        var c = Id(TraceC);
        var d = Id(TraceD);
        return
        [
            new(Span(a, A1, 0, "GET /checkout", SpanKind.Server, BaseNanos, 250 * Ms) with
            {
                Attributes =
                [
                    new("http.method", AttributeValue.FromString("GET")),
                    new("http.status_code", AttributeValue.FromInt(200)),
                    new("cache.hit", AttributeValue.FromBool(false)),
                    new("sample.ratio", AttributeValue.FromDouble(0.25)),
                    new("zip", AttributeValue.FromString("01234")),
                    new("labels", new AttributeValue(AttributeKind.Array, "[\"a\",\"b\"]", 0, 0, false)),
                ],
            }, "edge-gateway", EuWest, "rules/slow", 1),
            new(Span(a, A4, A1, "cache lookup", SpanKind.Client, BaseNanos + (1 * Ms), 1 * Ms), "edge-gateway", EuWest, "rules/slow", 1),
            new(Span(a, A2, A1, "POST /orders", SpanKind.Server, BaseNanos - SkewNanos, 200 * Ms) with
            {
                Attributes = [new("http.status_code", AttributeValue.FromInt(201))],
            }, "checkout", UsEast, "rules/slow", 1),
            new(Span(a, A3, A2, "charge-card", SpanKind.Internal, BaseNanos + (10 * Ms), 50 * Ms) with
            {
                StatusCode = SpanStatusCode.Error,
                StatusMessage = "card declined",
                Events = [new SpanEventDetail((ulong)(BaseNanos + (20 * Ms)), "retry", [new("attempt", AttributeValue.FromInt(2))])],
                Links = [new SpanLinkDetail(c, new SpanId(C1), string.Empty, [new("link.kind", AttributeValue.FromString("cause"))])],
            }, "checkout", UsEast, "rules/slow", 1),
            new(Span(b, B1, 0, "POST /orders", SpanKind.Server, BaseNanos + (60_000 * Ms), 1_500 * Ms) with
            {
                StatusCode = SpanStatusCode.Error,
                Attributes = [new("http.status_code", AttributeValue.FromInt(500))],
            }, "checkout", UsEast, "rules/errors", 1),
            new(Span(c, C1, 0, "GET /logo.png", SpanKind.Client, BaseNanos + (120_000 * Ms), 100_000), "static-assets", EuWest, "probabilistic/static", 1000),
            new(Span(c, C2, C1, "serve", SpanKind.Server, BaseNanos + (120_000 * Ms) + 10_000, 50_000), "cdn", EuWest, "probabilistic/static", 1000),
            new(Span(d, D1, 0, "POST /orders", SpanKind.Server, BaseNanos - (110 * 60_000 * Ms), 30 * Ms), "checkout", UsEast, "rules/errors", 1),
        ];
    }

    public static IReadOnlyList<FixtureSummary> Summaries { get; } =
    [
        new(TraceA, GroupId, BaseNanos, 250 * Ms, 4, [EuWest, UsEast], [(Hex(A1), Hex(A2), EuWest, UsEast, SkewNanos)], [(UsEast, 120)], SkewNanos, "got_root", "rules/slow", 1),
        new(TraceB, GroupId, BaseNanos + (60_000 * Ms), 1_500 * Ms, 1, [UsEast], [], [], 0, "got_root", "rules/errors", 1),
    ];

    /// <summary>Creates the schema (and, unless told otherwise, the summary table) in <paramref name="database"/> and writes the spans.</summary>
    public static void Write(ChdbEngine engine, string database, IEnumerable<FixtureSpan> spans, IEnumerable<FixtureSummary>? summaries, SchemaFlavor flavor = SchemaFlavor.Modern)
    {
        string insertSql;
        if (flavor == SchemaFlavor.Modern)
        {
            var schema = new TraceSchema(database);
            schema.Apply(engine);
            insertSql = schema.InsertSql;
        }
        else
        {
            // The ClickHouse 18.16 tables, created in the embedded engine: same logical data, legacy types.
            var schema = new ServerTraceSchema(database);
            foreach (var statement in schema.CreateStatements())
            {
                engine.Execute(statement);
            }
            insertSql = schema.InsertSql;
        }
        var encoder = new SpanRowEncoder(flavor: flavor);
        foreach (var s in spans)
        {
            IReadOnlyList<KeyValuePair<string, AttributeValue>> resource =
            [
                new("service.name", AttributeValue.FromString(s.Service)),
                new("host.name", AttributeValue.FromString(s.Service + "-" + s.Region)),
            ];
            encoder.Append(s.Span, resource, new ScopeDetail("fixture-scope", "1.2.3", []), s.Region, s.Reason, s.Rate);
        }
        if (encoder.Rows > 0)
        {
            engine.StreamInsert(insertSql, "RowBinary", encoder.Written.Span);
        }
        if (summaries is not null)
        {
            engine.Execute(CreateSummariesSql(database, flavor));
            foreach (var summary in summaries)
            {
                engine.Execute(summary.InsertSql(database, flavor));
            }
        }
    }

    public static string CreateSummariesSql(string database, SchemaFlavor flavor = SchemaFlavor.Modern) => $"""
        CREATE TABLE IF NOT EXISTS `{database}`.otel_trace_summaries (
            TraceId String, GroupId String, Timestamp {(flavor == SchemaFlavor.Modern ? "DateTime64(9)" : "DateTime")}, Duration UInt64, SpanCount UInt32, Regions Array(String),
            Edges Nested(ParentSpanId String, SpanId String, ParentRegion String, Region String, SkewNs Int64),
            ArrivalLag Nested(Region String, LagMs UInt32),
            MaxSkewNs Int64, CompletionReason String, SamplingReason String, SampleRate UInt32
        ) ENGINE = MergeTree ORDER BY (TraceId, Timestamp)
        """;

    public static TraceId Id(string hex) => TraceId.TryParseHex(hex, out var id) ? id : throw new ArgumentException(hex);

    private static SpanDetail Span(TraceId trace, ulong id, ulong parent, string name, SpanKind kind, long start, long duration) => new()
    {
        TraceId = trace,
        SpanId = new SpanId(id),
        ParentSpanId = new SpanId(parent),
        Name = name,
        Kind = kind,
        StartUnixNano = (ulong)start,
        EndUnixNano = (ulong)(start + duration),
    };
}

/// <summary>One fixture span and the columns the pipeline adds.</summary>
internal sealed record FixtureSpan(SpanDetail Span, string Service, string Region, string Reason, uint Rate);

/// <summary>One otel_trace_summaries row.</summary>
internal sealed record FixtureSummary(
    string TraceId,
    string GroupId,
    long StartNanos,
    long DurationNanos,
    int SpanCount,
    string[] Regions,
    (string Parent, string Span, string ParentRegion, string Region, long Skew)[] Edges,
    (string Region, int LagMs)[] Lag,
    long MaxSkew,
    string CompletionReason,
    string SamplingReason,
    int SampleRate)
{
    public string InsertSql(string database, SchemaFlavor flavor = SchemaFlavor.Modern)
    {
        var time = flavor == SchemaFlavor.Modern
            ? $"fromUnixTimestamp64Nano(toInt64({StartNanos}), 'UTC')"
            : $"toDateTime({StartNanos / 1_000_000_000}, 'UTC')";
        static string Arr(IEnumerable<string> values) => "[" + string.Join(",", values.Select(ClickHouseSql.Quote)) + "]";
        static string Nums(IEnumerable<long> values) => "[" + string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";
        return string.Create(CultureInfo.InvariantCulture, $"""
            INSERT INTO `{database}`.otel_trace_summaries
            (TraceId, GroupId, Timestamp, Duration, SpanCount, Regions, `Edges.ParentSpanId`, `Edges.SpanId`, `Edges.ParentRegion`, `Edges.Region`, `Edges.SkewNs`,
             `ArrivalLag.Region`, `ArrivalLag.LagMs`, MaxSkewNs, CompletionReason, SamplingReason, SampleRate)
            VALUES ('{TraceId}', {ClickHouseSql.Quote(GroupId)}, {time}, {DurationNanos}, {SpanCount}, {Arr(Regions)},
             {Arr(Edges.Select(e => e.Parent))}, {Arr(Edges.Select(e => e.Span))}, {Arr(Edges.Select(e => e.ParentRegion))}, {Arr(Edges.Select(e => e.Region))}, {Nums(Edges.Select(e => e.Skew))},
             {Arr(Lag.Select(l => l.Region))}, {Nums(Lag.Select(l => (long)l.LagMs))}, {MaxSkew}, {ClickHouseSql.Quote(CompletionReason)}, {ClickHouseSql.Quote(SamplingReason)}, {SampleRate})
            """);
    }
}
