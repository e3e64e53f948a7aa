using System.Runtime.Serialization;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Serialization;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Protocol.Tests.Serialization;

/// <summary>
/// Every protocol message through the serializer Akka picks for it (so the binding is tested
/// too), and spans compared field by field with what ingest decoded from the same bytes.
/// </summary>
public sealed class ProtocolSerializerSpec : TestKit
{
    private static readonly TraceId Trace = new(0x1111, 0x2222);

    public ProtocolSerializerSpec()
        : base(BindingConfig)
    {
    }

    private static Config BindingConfig => ConfigurationFactory.ParseString($$"""
        akka.actor.serializers.{{ProtocolSerializationHostingExtensions.SerializerName}} = "{{typeof(ProtocolSerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings { "{{typeof(IProtocolMessage).AssemblyQualifiedName}}" = {{ProtocolSerializationHostingExtensions.SerializerName}} }
        akka.actor.serialization-identifiers { "{{typeof(ProtocolSerializer).AssemblyQualifiedName}}" = {{ProtocolSerializer.SerializerId}} }
        """);

    private T RoundTrip<T>(T message)
        where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ProtocolSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return Assert.IsType<T>(Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest));
    }

    private static IReadOnlyList<BufferedSpan> DecodedSpans()
    {
        SpanDetail Span(ulong id, ulong parent, string name, SpanStatusCode status = SpanStatusCode.Unset) => new()
        {
            TraceId = Trace,
            SpanId = new SpanId(id),
            ParentSpanId = new SpanId(parent),
            Name = name,
            Kind = SpanKind.Server,
            StartUnixNano = 1_700_000_000_000_000_000 + id,
            EndUnixNano = 1_700_000_000_005_000_000 + id,
            StatusCode = status,
            Attributes = [new("http.route", AttributeValue.FromString("/api/" + name)), new("retries", AttributeValue.FromInt(2))],
        };
        var request = OtlpEncoder.EncodeRequest(
        [
            new ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("checkout")), new("cloud.region", AttributeValue.FromString("fra"))],
                [new ScopeSpansDetail(new ScopeDetail("edge-sdk", "1.2.3", []), [Span(1, 0, "root"), Span(2, 1, "child", SpanStatusCode.Error)], "https://scope")],
                "https://resource"),
            new ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("payments"))],
                [new ScopeSpansDetail(new ScopeDetail("p", "0.1", []), [Span(3, 2, "charge")])]),
        ]);
        var decoded = OtlpTraceDecoder.Decode(request, "iad");
        return Assert.Single(decoded.Traces).Spans;
    }

    [Fact]
    public void AppendSpans_round_trips_every_decoded_field_and_the_raw_bytes_of_each_span()
    {
        var spans = DecodedSpans();

        var back = RoundTrip(new TraceCommands.AppendSpans(Trace, spans));

        Assert.Equal(Trace, back.TraceId);
        Assert.Equal(spans.Count, back.Spans.Count);
        for (var i = 0; i < spans.Count; i++)
        {
            var (a, b) = (spans[i], back.Spans[i]);
            Assert.Equal((a.TraceId, a.SpanId, a.ParentSpanId, a.StartUnixNano, a.EndUnixNano, a.Name, a.Kind, a.Status),
                         (b.TraceId, b.SpanId, b.ParentSpanId, b.StartUnixNano, b.EndUnixNano, b.Name, b.Kind, b.Status));
            Assert.Equal(a.Raw.ToArray(), b.Raw.ToArray());
            Assert.Equal(a.Origin.ServiceName, b.Origin.ServiceName);
            Assert.Equal(a.Origin.Region, b.Origin.Region);
            Assert.Equal(a.Origin.Resource, b.Origin.Resource);
            Assert.Equal(a.Origin.Scope, b.Origin.Scope);
            Assert.Equal(a.Origin.ResourceSchemaUrl, b.Origin.ResourceSchemaUrl);
            Assert.Equal(a.Origin.ScopeSchemaUrl, b.Origin.ScopeSchemaUrl);
            Assert.True(b.TryGetAttribute("http.route", out var route));
            Assert.Equal("/api/" + a.Name, route.AsString());
        }
        // The region is what ingest resolved (cloud.region, else the receiving node's), not the
        // region of the node that deserializes: a span keeps where it entered the cluster.
        Assert.Equal(["fra", "fra", "iad"], back.Spans.Select(s => s.Origin.Region));
    }

    [Fact]
    public void Serializing_an_AppendSpans_gives_its_share_of_the_request_body_back_once_and_the_copy_owns_its_bytes()
    {
        // A message for a shard on another node: once its spans are in the wire form the request
        // body may go back to the receivers' pool, however often the message is serialized.
        var pool = new SharedBufferPool { PoisonReturned = true };
        var spans = DecodedSpans();
        var body = pool.Rent(8);
        body.Retain(); // the message's share
        var message = new TraceCommands.AppendSpans(Trace, spans) { Source = body };
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);

        // A copy takes no share of its own, so it cannot give the message's back a second time.
        var copy = message with { };
        Assert.Null(copy.Source);
        Assert.Same(body, message.Source);

        var bytes = serializer.ToBinary(message);
        Assert.Equal(1, body.Shares);
        Assert.Null(message.Source);
        serializer.ToBinary(message);
        Assert.Equal(1, body.Shares);

        body.Release(); // the receiver's
        Assert.Equal(1, pool.FreeCount);
        var back = (TraceCommands.AppendSpans)serializer.FromBinary(bytes, ProtocolSerializer.AppendSpansManifest);
        Assert.Null(back.Source);
        Assert.Equal(spans.Select(s => s.Raw.ToArray()), back.Spans.Select(s => s.Raw.ToArray()));
    }

    [Fact]
    public void Spans_sharing_an_origin_share_it_after_the_round_trip_and_it_is_written_once()
    {
        var spans = DecodedSpans();
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(new TraceCommands.AppendSpans(Trace, spans));

        var back = (TraceCommands.AppendSpans)serializer.FromBinary(bytes, ProtocolSerializer.AppendSpansManifest);

        Assert.Same(back.Spans[0].Origin, back.Spans[1].Origin);
        Assert.NotSame(back.Spans[1].Origin, back.Spans[2].Origin);
        var rawTotal = spans.Sum(s => s.Raw.Length);
        var originTotal = spans.Select(s => s.Origin).Distinct().Sum(o => o.Resource.Length + o.Scope.Length);
        Assert.InRange(bytes.Length, rawTotal + originTotal, rawTotal + originTotal + 200);
    }

    [Fact]
    public void A_delivery_receipt_travels_with_its_spans_and_confirmations_round_trip()
    {
        var confirmTo = CreateTestProbe().Ref;
        var sent = new TraceCommands.AppendSpans(Trace, DecodedSpans()) { Receipt = new DeliveryReceipt(long.MaxValue - 7, confirmTo) };

        var received = RoundTrip(sent);
        Assert.Equal(long.MaxValue - 7, received.Receipt!.Value.Id);
        // Resolved back to the same actor, so the owning shard can tell it.
        Assert.Equal(confirmTo, received.Receipt!.Value.ConfirmTo);
        Assert.Equal(3, received.Spans.Count);
        // A copy keeps the receipt (it is the same delivery).
        Assert.Equal(sent.Receipt, (sent with { }).Receipt);
        Assert.Null(RoundTrip(new TraceCommands.AppendSpans(Trace, DecodedSpans())).Receipt);

        Assert.Equal([1L, 2L, 1L << 40], RoundTrip(new TraceCommands.ConfirmDeliveries([1, 2, 1L << 40])).Ids);
        Assert.Empty(RoundTrip(new TraceCommands.ConfirmDeliveries([])).Ids);
    }

    [Fact]
    public void A_local_wait_does_not_travel_a_message_leaving_the_node_abandons_it_so_its_source_keeps_the_spans_source()
    {
        var confirmTo = CreateTestProbe().Ref;
        var wait = new ActorTracing.Domain.Delivery.ConfirmationCountdown();
        wait.Expect();
        wait.Seal();
        var sent = new TraceCommands.AppendSpans(Trace, DecodedSpans()) { Receipt = DeliveryReceipt.ForWait(wait) };

        var received = RoundTrip(sent);

        Assert.Null(received.Receipt);
        Assert.Equal(3, received.Spans.Count); // the owner still gets the spans
        Assert.True(wait.Task.IsCanceled);
    }

    [Fact]
    public void Status_query_reply_and_persisted_decision_round_trip()
    {
        Assert.Equal(new TraceQueries.GetTraceStatus(Trace), RoundTrip(new TraceQueries.GetTraceStatus(Trace)));

        var status = new TraceQueries.TraceStatus(Trace, 3, 900, true, ["iad", "fra"], SamplingDecision.Kept("rules/errors", 1), "got_root", new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var back = RoundTrip(status);
        Assert.Equal((status.TraceId, status.SpansBuffered, status.BytesBuffered, status.RootSeen, status.Decision, status.CompletionReason, status.NextCheck),
                     (back.TraceId, back.SpansBuffered, back.BytesBuffered, back.RootSeen, back.Decision, back.CompletionReason, back.NextCheck));
        Assert.Equal(status.Regions, back.Regions);

        var inFlight = status with { Decision = null, CompletionReason = null, NextCheck = null, Regions = [] };
        var backInFlight = RoundTrip(inFlight);
        Assert.Null(backInFlight.Decision);
        Assert.Null(backInFlight.CompletionReason);
        Assert.Null(backInFlight.NextCheck);

        var decided = new TraceEvents.Decided(Trace, SamplingDecision.Dropped("probabilistic/static"), "expired/no_root", new DateTimeOffset(2026, 11, 25, 10, 0, 1, 500, TimeSpan.Zero));
        Assert.Equal(decided, RoundTrip(decided));
    }

    [Fact]
    public void Correlation_group_messages_round_trip()
    {
        var propose = new TraceGroupCommands.Propose("attr:req-42", Trace, SamplingDecision.Kept("rules/errors", 1));
        Assert.Equal(propose, RoundTrip(propose));

        var decided = new TraceGroupCommands.GroupDecided("link:" + Trace.ToHex(), SamplingDecision.Dropped("group/probabilistic/api"), [Trace, new TraceId(3, 4)]);
        var back = RoundTrip(decided);
        Assert.Equal((decided.GroupKey, decided.Decision), (back.GroupKey, back.Decision));
        Assert.Equal(decided.Members, back.Members);
    }

    [Fact]
    public void A_corrupt_span_or_an_unknown_manifest_fails_with_a_serialization_error_not_a_crash()
    {
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(new TraceCommands.AppendSpans(Trace, DecodedSpans()));

        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "ZZ"));
        Assert.ThrowsAny<FormatException>(() => serializer.FromBinary(bytes[..(bytes.Length - 3)], ProtocolSerializer.AppendSpansManifest));
        Assert.Throws<ArgumentException>(() => serializer.ToBinary("not a protocol message"));
    }
}
