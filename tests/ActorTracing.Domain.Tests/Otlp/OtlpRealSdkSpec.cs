using System.Diagnostics;
using System.Net;
using ActorTracing.Domain.Otlp;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ActorTracing.Domain.Tests.Otlp;

/// <summary>
/// Decodes what the real OpenTelemetry .NET SDK OTLP exporter (http/protobuf) sends, so the
/// hand-written decoder is checked against bytes it did not produce itself.
/// </summary>
public sealed class OtlpRealSdkSpec
{
    [Fact]
    public void Spans_exported_by_the_OpenTelemetry_dotnet_sdk_decode_to_what_was_recorded()
    {
        var sourceName = "ActorTracing.Tests.Sdk." + Guid.NewGuid().ToString("N");
        var capture = new CapturingHandler();
        using var source = new ActivitySource(sourceName, "1.2.3");
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        Activity parent;
        Activity child;
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("sdk-service").AddAttributes([new("cloud.region", "ap-south-1")]))
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri("http://127.0.0.1:4318/v1/traces");
                o.ExportProcessorType = ExportProcessorType.Simple;
                o.HttpClientFactory = () => new HttpClient(capture);
            })
            .Build())
        {
            parent = source.StartActivity("parent op", ActivityKind.Server)!;
            child = source.StartActivity(
                "child op",
                ActivityKind.Client,
                parent.Context,
                tags: null,
                links: [new ActivityLink(linked, new ActivityTagsCollection { ["link.attr"] = "l" })])!;
            child.SetTag("http.method", "GET");
            child.SetTag("retries", 3L);
            child.SetTag("ratio", 0.25);
            child.SetTag("cached", true);
            child.SetTag("tags", new[] { "a", "b" });
            child.AddEvent(new ActivityEvent("exception", tags: new ActivityTagsCollection { ["exception.type"] = "Boom" }));
            child.SetStatus(ActivityStatusCode.Error, "it broke");
            child.Stop();
            parent.Stop();
            provider.ForceFlush();
        }

        Assert.NotEmpty(capture.Bodies);
        var spans = capture.Bodies
            .Select(body => OtlpTraceDecoder.Decode(body, "local"))
            .SelectMany(r =>
            {
                Assert.Equal(0, r.RejectedSpans);
                return r.Traces.SelectMany(t => t.Spans);
            })
            .ToDictionary(s => s.SpanId.ToHex());

        var c = spans[child.SpanId.ToHexString()];
        Assert.Equal(child.TraceId.ToHexString(), c.TraceId.ToHex());
        Assert.Equal(parent.SpanId.ToHexString(), c.ParentSpanId.ToHex());
        Assert.Equal("child op", c.Name);
        Assert.Equal(SpanKind.Client, c.Kind);
        Assert.Equal(SpanStatusCode.Error, c.Status);
        Assert.Equal(UnixNanos(child.StartTimeUtc), c.StartUnixNano);
        Assert.Equal(UnixNanos(child.StartTimeUtc + child.Duration), c.EndUnixNano);
        Assert.Equal("sdk-service", c.Origin.ServiceName);
        Assert.Equal("ap-south-1", c.Origin.Region);
        var scope = OtlpSpanDecoder.DecodeScope(c.Origin.Scope);
        Assert.Equal(sourceName, scope.Name);
        Assert.Equal("1.2.3", scope.Version);

        Assert.True(c.TryGetAttribute("http.method", out var method));
        Assert.Equal("GET", method.Text);
        var detail = OtlpSpanDecoder.DecodeSpan(c.Raw.Span);
        var attributes = detail.Attributes.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(AttributeValue.FromInt(3), attributes["retries"]);
        Assert.Equal(AttributeValue.FromDouble(0.25), attributes["ratio"]);
        Assert.Equal(AttributeValue.FromBool(true), attributes["cached"]);
        Assert.Equal(new AttributeValue(AttributeKind.Array, "[\"a\",\"b\"]", 0, 0, false), attributes["tags"]);
        Assert.Equal("it broke", detail.StatusMessage);
        Assert.Equal(1u, detail.Flags & 0xFF);
        var ev = Assert.Single(detail.Events);
        Assert.Equal("exception", ev.Name);
        Assert.Equal(UnixNanos(child.Events.Single().Timestamp.UtcDateTime), ev.TimeUnixNano);
        Assert.Equal([OtlpSamples.Attr("exception.type", AttributeValue.FromString("Boom"))], ev.Attributes);
        var link = Assert.Single(detail.Links);
        Assert.Equal(linked.TraceId.ToHexString(), link.TraceId.ToHex());
        Assert.Equal(linked.SpanId.ToHexString(), link.SpanId.ToHex());
        Assert.Equal([OtlpSamples.Attr("link.attr", AttributeValue.FromString("l"))], link.Attributes);

        var p = spans[parent.SpanId.ToHexString()];
        Assert.True(p.IsRoot);
        Assert.Equal(SpanKind.Server, p.Kind);
        Assert.Equal(SpanStatusCode.Unset, p.Status);
        Assert.Equal(c.TraceId, p.TraceId);
    }

    private static ulong UnixNanos(DateTime utc) => (ulong)(utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>Keeps each request body and answers 200 without any network.</summary>
    private sealed class CapturingHandler : HttpMessageHandler
    {
        private readonly List<byte[]> _bodies = [];

        public IReadOnlyList<byte[]> Bodies
        {
            get
            {
                lock (_bodies)
                {
                    return [.. _bodies];
                }
            }
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream();
            request.Content!.CopyTo(stream, null, cancellationToken);
            Keep(stream.ToArray());
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Keep(await request.Content!.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        }

        private void Keep(byte[] body)
        {
            lock (_bodies)
            {
                _bodies.Add(body);
            }
        }
    }
}
