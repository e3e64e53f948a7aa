using ActorTracing.Actors.Cluster;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Ingest;
using ActorTracing.Node.Configuration;
using ActorTracing.Node.Hosting;
using ActorTracing.Node.Pipeline;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Node.Tests;

public sealed class ShardingIngressSpec : TestKit
{
    private static readonly NodeSettings Settings = NodeSettings.Create(HoconDefaults.Load(overrides: """
        actortracing.node.admission.max-buffered-bytes = 1000
        actortracing.node.admission.max-pending-rows = 10
        actortracing.node.admission.retry-after = 2s
        """));

    private static TraceSpans Trace(ulong id, int spans)
    {
        var traceId = new TraceId(7, id);
        return new TraceSpans(traceId, Enumerable.Range(1, spans)
            .Select(i => new BufferedSpan(traceId, new SpanId((ulong)i), default, 1, 2, "op", SpanKind.Server, SpanStatusCode.Unset, SpanOrigin.Unknown, new byte[100]))
            .ToArray());
    }

    private (ShardingIngress Ingress, PipelineGauges Gauges, Akka.TestKit.TestProbe Region) Create(Func<long>? pendingRows = null)
    {
        var registry = new ActorRegistry();
        var region = CreateTestProbe();
        registry.Register<TraceRegion>(region.Ref);
        var gauges = new PipelineGauges();
        return (new ShardingIngress(registry, gauges, pendingRows ?? (() => 0), Settings), gauges, region);
    }

    /// <summary>
    /// An ingress with redelivery over a probe region. No shard's home is known, so every owner may
    /// be on another node. <c>Start</c> starts the confirming actor and waits until ingest may send.
    /// </summary>
    private (ShardingIngress Ingress, Akka.TestKit.TestProbe Region, Redelivery Redelivery, Func<IActorRef> Start) WithRedelivery(long maxUnconfirmedBytes, Func<long>? pendingRows = null)
    {
        var registry = new ActorRegistry();
        var region = CreateTestProbe();
        registry.Register<TraceRegion>(region.Ref);
        var homes = new ShardHomes(new TraceMessageExtractor(30));
        var redelivery = new Redelivery(homes, maxUnconfirmedBytes, TimeSpan.FromSeconds(5));
        var ingress = new ShardingIngress(registry, new PipelineGauges(), pendingRows ?? (() => 0), Settings, homes, redelivery);
        return (ingress, region, redelivery, () =>
        {
            var confirmations = Sys.ActorOf(RedeliveryActor.Props(redelivery, region.Ref));
            AwaitCondition(() => redelivery.Ready);
            return confirmations;
        });
    }

    [Fact]
    public void Each_trace_of_a_request_becomes_one_message_and_is_counted_as_received()
    {
        var (ingress, gauges, region) = Create();
        Assert.True(ingress.Submit([Trace(1, 3), Trace(2, 2)], "grpc").Accepted);
        Assert.Equal(3, region.ExpectMsg<TraceCommands.AppendSpans>().Spans.Count);
        Assert.Equal(2, region.ExpectMsg<TraceCommands.AppendSpans>().Spans.Count);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(5, gauges.SpansReceived);
        // The buffer is charged by the TraceActor on whichever node it lives, not here.
        Assert.Equal(0, gauges.BytesBuffered);
    }

    [Fact]
    public void Each_message_carries_a_share_of_the_request_body_its_spans_slice_and_a_refusal_takes_none()
    {
        var (ingress, gauges, region) = Create();
        var body = new SharedBufferPool().Rent(500);
        Assert.True(ingress.Submit([Trace(1, 3), Trace(2, 2)], "grpc", body).Accepted);

        var messages = new[] { region.ExpectMsg<TraceCommands.AppendSpans>(), region.ExpectMsg<TraceCommands.AppendSpans>() };
        Assert.All(messages, m => Assert.Same(body, m.Source));
        Assert.Equal(3, body.Shares); // the caller's and one per message
        foreach (var m in messages)
        {
            m.ReleaseSource();
            m.ReleaseSource(); // at most once per message
        }
        Assert.Equal(1, body.Shares);

        gauges.Buffered(11, 1_100); // over max-buffered-bytes
        Assert.False(ingress.Submit([Trace(3, 1)], "grpc", body).Accepted);
        Assert.Equal(1, body.Shares);
    }

    [Fact]
    public void A_full_buffer_refuses_with_retry_after_instead_of_buffering_more()
    {
        var (ingress, gauges, region) = Create();
        Assert.True(ingress.Submit([Trace(1, 11)], "http-protobuf").Accepted);
        region.ExpectMsg<TraceCommands.AppendSpans>();
        // What this node's TraceActors charge once the spans reach them.
        gauges.Buffered(11, 1_100);
        var refused = ingress.Submit([Trace(2, 1)], "http-protobuf");
        Assert.False(refused.Accepted);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter);
        Assert.Contains("buffer", refused.Reason, StringComparison.Ordinal);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, ingress.Throttled);
    }

    [Fact]
    public void A_storage_backlog_refuses_new_spans()
    {
        var (ingress, _, region) = Create(() => 11);
        var refused = ingress.Submit([Trace(1, 1)], "grpc");
        Assert.False(refused.Accepted);
        Assert.Contains("storage", refused.Reason, StringComparison.Ordinal);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Messages_to_owners_elsewhere_carry_a_receipt_and_unconfirmed_bytes_past_the_bound_refuse_the_request()
    {
        var (ingress, region, redelivery, start) = WithRedelivery(maxUnconfirmedBytes: 250);
        Assert.Contains("starting", ingress.Submit([Trace(1, 1)], "grpc").Reason, StringComparison.Ordinal);
        var confirmations = start();

        var body = new SharedBufferPool().Rent(500);
        Assert.True(ingress.Submit([Trace(1, 3)], "grpc", body).Accepted);
        var sent = region.ExpectMsg<TraceCommands.AppendSpans>();
        Assert.Equal(confirmations, sent.Receipt!.Value.ConfirmTo);
        Assert.Equal(3, body.Shares); // the caller's, the message's, the redelivery's
        Assert.Equal(300, redelivery.Unconfirmed.Bytes);

        // Over the bound: refused whole, before anything is sent.
        var refused = ingress.Submit([Trace(2, 1)], "grpc", body);
        Assert.False(refused.Accepted);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter);
        Assert.Contains("not yet confirmed", refused.Reason, StringComparison.Ordinal);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        // The owner confirms: the share goes back and ingest accepts again.
        confirmations.Tell(new TraceCommands.ConfirmDeliveries([sent.Receipt!.Value.Id]));
        AwaitCondition(() => redelivery.Unconfirmed.Count == 0);
        Assert.Equal(2, body.Shares);
        Assert.True(ingress.Submit([Trace(2, 1)], "grpc", body).Accepted);
    }

    [Fact]
    public void Before_the_shard_region_exists_the_node_asks_clients_to_retry()
    {
        var ingress = new ShardingIngress(new ActorRegistry(), new PipelineGauges(), () => 0, Settings);
        var result = ingress.Submit([Trace(1, 1)], "grpc");
        Assert.False(result.Accepted);
        Assert.Contains("starting", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Submitting_until_decided_gives_every_message_a_receipt_and_completes_once_all_are_confirmed()
    {
        long pendingRows = 0;
        var (ingress, region, redelivery, start) = WithRedelivery(maxUnconfirmedBytes: 1_000_000, pendingRows: () => pendingRows);
        var confirmations = start();

        Assert.True(ingress.SubmitUntilDecided([Trace(1, 1), Trace(2, 2)], "kafka", null, out var decided).Accepted);
        var first = region.ExpectMsg<TraceCommands.AppendSpans>();
        var second = region.ExpectMsg<TraceCommands.AppendSpans>();
        Assert.NotNull(decided);

        confirmations.Tell(new TraceCommands.ConfirmDeliveries([first.Receipt!.Value.Id]));
        AwaitCondition(() => redelivery.Unconfirmed.Count == 1);
        Assert.False(decided.IsCompleted);
        confirmations.Tell(new TraceCommands.ConfirmDeliveries([second.Receipt!.Value.Id]));
        AwaitCondition(() => decided.IsCompletedSuccessfully);

        // Refused: no wait to hear, nothing sent.
        pendingRows = 100;
        Assert.False(ingress.SubmitUntilDecided([Trace(3, 1)], "kafka", null, out var none).Accepted);
        Assert.Null(none);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Submitting_until_decided_without_redelivery_is_a_configuration_error_the_node_refuses_at_start()
    {
        var (ingress, _, _) = Create();
        Assert.Throws<InvalidOperationException>(() => ingress.SubmitUntilDecided([Trace(1, 1)], "kafka", null, out _));

        var kafka = IngestSettings.Create(HoconDefaults.Load(overrides: "actortracing.ingest.kafka.enabled = on\nactortracing.ingest.wal.enabled = off"));
        var noRedelivery = NodeSettings.Create(HoconDefaults.Load(overrides: "actortracing.node.redelivery.enabled = off"));
        var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() => NodeHost.RequireRedeliveryForDecisionWaits(kafka, noRedelivery));
        Assert.Contains("actortracing.node.redelivery.enabled", error.Message, StringComparison.Ordinal);
        Assert.Contains("commit-after", error.Message, StringComparison.Ordinal);

        // Either fix is accepted.
        NodeHost.RequireRedeliveryForDecisionWaits(kafka, Settings);
        NodeHost.RequireRedeliveryForDecisionWaits(kafka with { Kafka = kafka.Kafka with { CommitAfter = KafkaIngestSettings.CommitAfterAccepted } }, noRedelivery);
    }

    [Fact]
    public void The_write_ahead_log_without_redelivery_is_a_configuration_error_the_node_refuses_at_start()
    {
        var wal = IngestSettings.Create(HoconDefaults.Load());
        Assert.True(wal.WriteAheadLog.Enabled); // the default
        var noRedelivery = NodeSettings.Create(HoconDefaults.Load(overrides: "actortracing.node.redelivery.enabled = off"));
        var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() => NodeHost.RequireRedeliveryForDecisionWaits(wal, noRedelivery));
        Assert.Contains("actortracing.node.redelivery.enabled", error.Message, StringComparison.Ordinal);
        Assert.Contains("actortracing.ingest.wal.enabled", error.Message, StringComparison.Ordinal);

        // Either fix is accepted.
        NodeHost.RequireRedeliveryForDecisionWaits(wal, Settings);
        NodeHost.RequireRedeliveryForDecisionWaits(wal with { WriteAheadLog = wal.WriteAheadLog with { Enabled = false } }, noRedelivery);
    }
}
