using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ActorTracing.Ingest.Tests;

/// <summary>The real OpenTelemetry .NET SDK exporter, which no one here wrote, against the receivers.</summary>
public sealed class OpenTelemetrySdkExportSpec : IAsyncLifetime
{
    private ReceiverHost _host = null!;

    public async Task InitializeAsync() => _host = await ReceiverHost.StartAsync();

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    [Fact]
    public void Spans_exported_over_grpc_arrive_with_their_trace_ids()
    {
        var sent = ExportSpans(OtlpExportProtocol.Grpc, _host.GrpcUri);

        AssertArrived(sent, OtlpProtocols.Grpc);
    }

    [Fact]
    public void Spans_exported_over_http_protobuf_arrive_with_their_trace_ids()
    {
        var sent = ExportSpans(OtlpExportProtocol.HttpProtobuf, new Uri(_host.HttpUri, "v1/traces"));

        AssertArrived(sent, OtlpProtocols.HttpProtobuf);
    }

    private void AssertArrived(IReadOnlyList<ActivityTraceId> sent, string protocol)
    {
        var submits = _host.Ingress.Submits.ToList();
        Assert.NotEmpty(submits);
        Assert.All(submits, s => Assert.Equal(protocol, s.Protocol));
        var received = submits.SelectMany(s => s.Traces).ToList();
        Assert.Equal(sent.Select(t => t.ToHexString()).Order(), received.Select(t => t.TraceId.ToHex()).Distinct().Order());
        // Each trace is a root plus one child, and the resource's service name came through.
        Assert.All(received.GroupBy(t => t.TraceId), g => Assert.Equal(2, g.Sum(t => t.Spans.Count)));
        Assert.All(received.SelectMany(t => t.Spans), s => Assert.Equal("sdk-export-spec", s.Origin.ServiceName));
    }

    private static List<ActivityTraceId> ExportSpans(OtlpExportProtocol protocol, Uri endpoint)
    {
        // A source per test: listeners are process-wide and the specs run in parallel.
        var sourceName = "ingest-spec-" + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(sourceName);
        var sent = new List<ActivityTraceId>();
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("sdk-export-spec"))
            .AddOtlpExporter(o =>
            {
                o.Protocol = protocol;
                o.Endpoint = endpoint;
                // Simple export runs on Activity stop, so the spans have arrived once ForceFlush returns.
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            for (var i = 0; i < 3; i++)
            {
                using var root = source.StartActivity("request " + i, ActivityKind.Server);
                Assert.NotNull(root);
                sent.Add(root.TraceId);
                using var child = source.StartActivity("query " + i, ActivityKind.Client);
                Assert.NotNull(child);
                child.SetTag("db.system", "clickhouse");
            }
            Assert.True(provider.ForceFlush(10_000));
        }
        return sent;
    }
}
