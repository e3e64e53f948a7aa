using System.Net;
using System.Net.Http.Headers;
using ActorTracing.Bench;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Ingest.Wal;
using ActorTracing.Node.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorTracing.Integration.Tests;

/// <summary>
/// The OTLP write-ahead log through a whole node: a node killed (SIGKILL, its own process) with
/// traces still open that it had accepted over OTLP loses nothing — the next node started on its
/// log submits the requests again and decides them — where without the log they died with it;
/// and a graceful stop leaves nothing to submit again.
/// </summary>
public sealed class IngestLogCrashSpec
{

    [Fact]
    public async Task A_node_killed_with_traces_open_loses_nothing_its_successor_submits_them_again_decides_and_stores_them()
    {
        var data = NewDataDirectory();
        try
        {
            var wal = await KillNodeHoldingOpenTracesAsync(data, "it_wal_crash_first", walEnabled: true);
            Assert.NotEmpty(Directory.GetFiles(wal, "*.wal"));

            // Started on the dead node's log: both requests are submitted again; the traces wait
            // for their missing parents until trace-timeout, then are decided, the error trace kept.
            var second = await EmbeddedNodeFixture.StartNodeAsync("it_wal_crash_second", WalHocon(wal, traceTimeout: "1s"));
            try
            {
                await Eventually.Until(() => second.Gauges.TracesDecided == 2);
                Assert.Equal(3, second.Gauges.SpansReceived);
                Assert.True(second.Gauges.TracesKept >= 1); // the error trace, at least
                var replay = second.Services.GetRequiredService<IngestLogReplay>();
                Assert.Equal(2, replay.Submitted);
                // Confirmed once decided and, the kept one, written: the old segment is gone.
                var log = second.Services.GetRequiredService<IngestLog>();
                await Eventually.Until(() => log.Unconfirmed == 0);
                var rows = long.Parse(second.Store.Engine.Query($"SELECT count() FROM {second.Store.Schema.QualifiedTracesTable} WHERE StatusCode = 'Error'").Trim(), System.Globalization.CultureInfo.InvariantCulture);
                var all = second.Store.Engine.Query($"SELECT StatusCode, count() FROM {second.Store.Schema.QualifiedTracesTable} GROUP BY StatusCode");
                Assert.True(rows == 1, $"kept {second.Gauges.TracesKept}, rows: {all}");
                // Deleted in the background; what stays is the second node's own, still taking appends.
                await Eventually.Until(() => Directory.GetFiles(wal, "*.wal").Length == 1);
            }
            finally
            {
                await second.DisposeAsync();
            }
        }
        finally
        {
            DeleteQuietly(data);
        }
    }

    [Fact]
    public async Task Without_the_log_the_same_crash_loses_the_open_traces()
    {
        var data = NewDataDirectory();
        try
        {
            var wal = await KillNodeHoldingOpenTracesAsync(data, "it_wal_off_first", walEnabled: false);
            var second = await EmbeddedNodeFixture.StartNodeAsync("it_wal_off_second", WalHocon(wal, traceTimeout: "1s"));
            try
            {
                // A negative check: trace-timeout and send-delay several times over.
                await Task.Delay(TimeSpan.FromSeconds(3));
                Assert.Equal(0, second.Gauges.SpansReceived);
                Assert.Equal(0, second.Services.GetRequiredService<IngestLogReplay>().Submitted);
            }
            finally
            {
                await second.DisposeAsync();
            }
        }
        finally
        {
            DeleteQuietly(data);
        }
    }

    [Fact]
    public async Task A_graceful_stop_waits_for_its_hand_off_to_decide_what_it_held_and_leaves_nothing_to_submit_again()
    {
        var data = NewDataDirectory();
        var wal = Path.Combine(data, "wal");
        try
        {
            var node = await EmbeddedNodeFixture.StartNodeAsync("it_wal_graceful", WalHocon(wal, traceTimeout: "60s"));
            try
            {
                await PostAsync(node.Services.GetRequiredService<ActorTracing.Ingest.OtlpReceiverEndpoints>().HttpUri!, OpenTrace(new TraceId(9, 1), error: false));
                await Eventually.Until(() => node.Gauges.TracesBuffered == 1);
                Assert.Equal(1, node.Services.GetRequiredService<IngestLog>().Unconfirmed);
            }
            finally
            {
                await node.DisposeAsync();
            }
            Assert.Equal(1, node.Gauges.TracesDecided); // by the hand-off

            using var log = IngestLog.Open(new IngestLogSettings { Directory = wal, SyncInterval = TimeSpan.Zero }, "iad", NullLogger.Instance);
            Assert.Empty(log.Recovered);
        }
        finally
        {
            DeleteQuietly(data);
        }
    }

    /// <summary>
    /// A node of its own process, given two open traces (each waits a minute for a missing parent;
    /// one has an error) over OTLP/HTTP and killed once it holds them. Returns its log's directory.
    /// </summary>
    private static async Task<string> KillNodeHoldingOpenTracesAsync(string data, string database, bool walEnabled)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var extra = "actortracing.trace.trace-timeout = 60s\n" + (walEnabled ? string.Empty : "actortracing.ingest.wal.enabled = off\n");
        var first = await ProcessBenchNode.StartAsync(BenchNodeProcessSpec.Cli, new BenchNodeSpec(data, database, "iad", extra),
            () => clock.Elapsed.TotalSeconds, TimeSpan.FromMinutes(1), CancellationToken.None);
        await using (first)
        {
            var http = first.IngestPoints[0].Http;
            await PostAsync(http, OpenTrace(new TraceId(7, 1), error: true));
            await PostAsync(http, OpenTrace(new TraceId(7, 2), error: false, spans: 2));
            await Eventually.Until(async () => (await first.SampleAsync(0, "open", CancellationToken.None)).BufferedTraces == 2);
            using var process = System.Diagnostics.Process.GetProcessById(first.Pid);
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(Eventually.Timeout);
        }
        return BenchNode.WalDirectory(data, database, "iad");
    }

    private static string WalHocon(string wal, string traceTimeout) => $$"""
        actortracing.ingest.wal.directory = "{{wal}}"
        actortracing.trace.trace-timeout = {{traceTimeout}}
        """;

    private static async Task PostAsync(Uri endpoint, byte[] body)
    {
        using var client = new HttpClient { BaseAddress = endpoint };
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-protobuf");
        using var response = await client.PostAsync("v1/traces", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A request with <paramref name="spans"/> spans of one trace, all children of a parent that never comes.</summary>
    private static byte[] OpenTrace(TraceId trace, bool error, int spans = 1)
    {
        // Now: the table's TTL would drop rows of a fixed old date.
        var start = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        var children = Enumerable.Range(0, spans).Select(i => new SpanDetail
        {
            TraceId = trace,
            SpanId = new SpanId((ulong)(10 + i)),
            ParentSpanId = new SpanId(99),
            Name = "GET /cart",
            Kind = SpanKind.Server,
            StartUnixNano = start,
            EndUnixNano = start + 10_000_000,
            StatusCode = error ? SpanStatusCode.Error : SpanStatusCode.Unset,
        }).ToList();
        return OtlpEncoder.EncodeRequest(
        [
            new ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("checkout"))],
                [new ScopeSpansDetail(new ScopeDetail("it", "1.0", []), children)]),
        ]);
    }

    private static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "at-wal-it-" + Guid.NewGuid().ToString("N"));

    private static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
