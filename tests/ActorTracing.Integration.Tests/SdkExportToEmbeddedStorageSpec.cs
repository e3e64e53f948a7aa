using System.Text.Json;
using System.Diagnostics;
using ActorTracing.Ingest;
using ActorTracing.Node.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ActorTracing.Integration.Tests;

/// <summary>
/// The whole path with nothing faked: the real OpenTelemetry .NET SDK exporter sends OTLP to a
/// running node, the TraceActors decide, and the kept rows are read back from the embedded engine.
/// </summary>
public sealed class SdkExportToEmbeddedStorageSpec
{
    [Fact]
    public async Task The_node_makes_no_activity_or_log_scope_per_request()
    {
        // ASP.NET Core makes both for every request while its hosting category logs at any level.
        var node = await EmbeddedNodeFixture.StartNodeAsync("it_no_activity");
        try
        {
            var logs = node.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>();
            Assert.False(logs.CreateLogger(NodeHost.HostingDiagnosticsCategory).IsEnabled(Microsoft.Extensions.Logging.LogLevel.Critical));
            Assert.True(logs.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(Microsoft.Extensions.Logging.LogLevel.Warning));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc, "it_grpc")]
    [InlineData(OtlpExportProtocol.HttpProtobuf, "it_http")]
    public async Task Error_traces_sent_by_the_sdk_are_kept_and_stored_with_their_reason(OtlpExportProtocol protocol, string database)
    {
        var node = await EmbeddedNodeFixture.StartNodeAsync(database);
        var errorTraces = new List<string>();
        var healthTraces = new List<string>();
        try
        {
            var endpoints = node.Services.GetRequiredService<OtlpReceiverEndpoints>();
            var endpoint = protocol == OtlpExportProtocol.Grpc
                ? endpoints.GrpcUri!
                : new Uri(endpoints.HttpUri!, "/v1/traces");
            var sourceName = "it-" + database;
            using var source = new ActivitySource(sourceName);
            using (var provider = Sdk.CreateTracerProviderBuilder()
                .AddSource(sourceName)
                .SetSampler(new AlwaysOnSampler())
                .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("checkout").AddAttributes([new("cloud.region", "sfo")]))
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = endpoint;
                    o.Protocol = protocol;
                    o.ExportProcessorType = ExportProcessorType.Simple;
                })
                .Build())
            {
                for (var i = 0; i < 5; i++)
                {
                    using var root = source.StartActivity("POST /api/checkout", ActivityKind.Server)!;
                    root.SetTag("http.route", "/api/checkout");
                    root.SetTag("function_type", "api");
                    using (var child = source.StartActivity("db query", ActivityKind.Client)!)
                    {
                        child.SetTag("db.system", "postgresql");
                        child.SetStatus(ActivityStatusCode.Error, "deadlock");
                        child.AddEvent(new ActivityEvent("exception"));
                    }
                    errorTraces.Add(root.TraceId.ToHexString());
                }
                for (var i = 0; i < 5; i++)
                {
                    using var health = source.StartActivity("GET /healthz", ActivityKind.Server)!;
                    health.SetTag("http.route", "/healthz");
                    healthTraces.Add(health.TraceId.ToHexString());
                }
                provider.ForceFlush();
            }

            var counters = node.Services.GetRequiredService<ActorTracing.Ingest.IngestCounters>();
            await WaitUntil(() => node.Gauges.TracesDecided >= 10, TimeSpan.FromSeconds(30), () => $"received {node.Gauges.SpansReceived}, buffered {node.Gauges.SpansBuffered}, decided {node.Gauges.TracesDecided}, grpc requests {counters.RequestsReceivedGrpc}, http {counters.RequestsReceivedHttpProtobuf}, accepted {counters.SpansAccepted}, overloaded {counters.SpansRejectedOverloaded}, throttled {counters.RequestsThrottled}, last refusal: {((ActorTracing.Node.Pipeline.ShardingIngress)node.Services.GetRequiredService<ActorTracing.Protocol.Ingress.ITraceIngress>()).LastRefusal}");
            await WaitUntil(() => node.StorageHolder.Writer!.RowsWritten >= 10, TimeSpan.FromSeconds(30));

            var rows = node.Store.Engine.Query(
                $"SELECT TraceId, SpanName, ServiceName, Region, SamplingReason, SampleRate, StatusCode FROM {database}.otel_traces ORDER BY TraceId, SpanName FORMAT TabSeparated");
            var lines = rows.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToArray();
            Assert.Equal(10, lines.Length);
            Assert.Equal(errorTraces.Order(), lines.Select(l => l[0]).Distinct().Order());
            Assert.All(lines, l =>
            {
                Assert.Equal("checkout", l[2]);
                Assert.Equal("sfo", l[3]);
                Assert.Equal("rules/errors", l[4]);
                Assert.Equal("1", l[5]);
            });
            Assert.Contains(lines, l => l[1] == "db query" && l[6].Contains("Error", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(5, node.Gauges.TracesKept);
            Assert.True(node.Gauges.DroppedByReason.Keys.Any(k => k.Contains("health", StringComparison.Ordinal)), string.Join(",", node.Gauges.DroppedByReason.Keys));

            var lookup = node.Store.Engine.Query($"SELECT count() FROM {database}.otel_traces_trace_id_ts FORMAT TabSeparated").Trim();
            Assert.Equal("5", lookup);

            // The same node serves what it stored through its Jaeger API, and its live overview.
            var query = node.Services.GetRequiredService<ActorTracing.Query.QueryEndpoints>().Uri!;
            using var http = new HttpClient { BaseAddress = query };
            using var traceResponse = await http.GetAsync(new Uri($"api/traces/{errorTraces[0]}", UriKind.Relative));
            var traceBody = await traceResponse.Content.ReadAsStringAsync();
            Assert.True(traceResponse.IsSuccessStatusCode, $"{query}api/traces/{errorTraces[0]} → {(int)traceResponse.StatusCode}: {traceBody}");
            using (var trace = JsonDocument.Parse(traceBody))
            {
                var spans = trace.RootElement.GetProperty("data")[0].GetProperty("spans");
                Assert.Equal(2, spans.GetArrayLength());
                Assert.Contains(spans.EnumerateArray().SelectMany(sp => sp.GetProperty("tags").EnumerateArray()), t => t.GetProperty("key").GetString() == "sampling.reason" && t.GetProperty("value").GetString() == "rules/errors");
            }
            using (var overview = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/overview", UriKind.Relative))))
            {
                var root = overview.RootElement;
                Assert.True(root.GetProperty("spansReceived").GetInt64() >= 15);
                Assert.Equal(1, root.GetProperty("members").GetArrayLength());
                Assert.Contains(root.GetProperty("decisionsByReason").EnumerateObject(), r => r.Name == "kept/rules/errors" && r.Value.GetInt64() == 5);
                Assert.True(root.GetProperty("storage")[0].GetProperty("rows").GetInt64() >= 10);
            }
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    /// <summary>Polls a condition the pipeline reaches asynchronously; the bound only guards against a hang.</summary>
    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string>? state = null)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not reached within {timeout}{(state is null ? "" : ": " + state())}");
            }
            await Task.Delay(50);
        }
    }
}
