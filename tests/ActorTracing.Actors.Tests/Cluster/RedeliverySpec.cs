using System.Collections.Immutable;
using ActorTracing.Actors.Cluster;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Delivery;
using ActorTracing.Domain.Otlp;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Actors.Tests.Cluster;

/// <summary>
/// Ingest's side of delivery to owners on other nodes, under virtual time: receipts, what
/// confirmations release, and when (and only when) a message is sent again.
/// </summary>
public sealed class RedeliverySpec : TestKit
{
    private static readonly TraceMessageExtractor Extractor = new(30);
    private static readonly Address Iad = new("akka.tcp", "actortracing", "10.0.0.1", 4053);
    private static readonly Address Sfo = new("akka.tcp", "actortracing", "10.0.0.2", 4053);
    private static readonly TimeSpan After = TimeSpan.FromSeconds(5);

    private readonly ShardHomes _homes = new(Extractor);
    private readonly TraceId _onIad = new(1, 1);
    private readonly TraceId _onSfo;
    private readonly TestProbe _region;
    private readonly Redelivery _redelivery;
    private readonly IActorRef _actor;

    public RedeliverySpec()
        : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
        _onSfo = Enumerable.Range(2, 1000).Select(i => new TraceId(1, (ulong)i)).First(t => Extractor.ShardOf(t) != Extractor.ShardOf(_onIad));
        // This node is iad; the trace's shard lives on sfo.
        _homes.AttachSelfStatus(() => MemberStatus.Up, Iad);
        Publish(ImmutableDictionary<string, Address>.Empty.Add(Extractor.ShardOf(_onIad), Iad).Add(Extractor.ShardOf(_onSfo), Sfo));
        _region = CreateTestProbe();
        _redelivery = new Redelivery(_homes, maxUnconfirmedBytes: 1_000_000, After);
        _actor = Sys.ActorOf(RedeliveryActor.Props(_redelivery, _region.Ref));
        AwaitCondition(() => _redelivery.Ready);
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    private void Publish(ImmutableDictionary<string, Address> homes, params Address[] departed) =>
        _homes.Publish(ShardHomes.Snapshot.Healthy with { Homes = homes, CoordinatorHome = Iad, Departed = [.. departed] });

    private static (SharedBuffer Body, BufferedSpan[] Spans) Body(TraceId trace)
    {
        var encoded = OtlpEncoder.EncodeSpan(new SpanDetail { TraceId = trace, SpanId = new SpanId(7), Name = "GET /", Kind = SpanKind.Server, StartUnixNano = 1, EndUnixNano = 2 });
        var body = new SharedBufferPool().Rent(encoded.Length);
        encoded.CopyTo(body.Writable.Span);
        return (body, [OtlpTraceDecoder.DecodeSpan(body.Memory[..encoded.Length], new SpanOrigin("edge", "iad", [], []))]);
    }

    [Fact]
    public void Only_messages_to_another_node_or_an_unknown_home_get_a_receipt()
    {
        var (body, spans) = Body(_onIad);
        Assert.Null(_redelivery.Track(_onIad, spans, body)); // a shard on this node
        Assert.Equal(1, body.Shares);
        Assert.NotNull(_redelivery.Track(_onSfo, spans, body));
        var unknown = Enumerable.Range(2000, 1000).Select(i => new TraceId(2, (ulong)i))
            .First(t => Extractor.ShardOf(t) != Extractor.ShardOf(_onIad) && Extractor.ShardOf(t) != Extractor.ShardOf(_onSfo));
        Assert.NotNull(_redelivery.Track(unknown, spans, body));
        Assert.Equal(2, _redelivery.Unconfirmed.Count);
        Assert.Equal(3, body.Shares);
    }

    [Fact]
    public void A_confirmation_forgets_the_message_and_gives_its_share_of_the_body_back()
    {
        var (body, spans) = Body(_onSfo);
        var receipt = _redelivery.Track(_onSfo, spans, body)!.Value;
        Assert.Equal(_actor, receipt.ConfirmTo);
        Assert.Equal(2, body.Shares); // the caller's and the redelivery's
        Assert.Equal(spans[0].Raw.Length, _redelivery.Unconfirmed.Bytes);

        _actor.Tell(new TraceCommands.ConfirmDeliveries([receipt.Id]));
        AwaitCondition(() => _redelivery.Unconfirmed.Count == 0);
        Assert.Equal(1, body.Shares);
        Assert.Equal(0, _redelivery.Unconfirmed.Bytes);
    }

    [Fact]
    public void A_message_to_an_owner_that_is_still_home_is_never_sent_again()
    {
        var (body, spans) = Body(_onSfo);
        _redelivery.Track(_onSfo, spans, body);
        Clock.Advance(After * 3);
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, _redelivery.Unconfirmed.Count);
    }

    [Fact]
    public void Once_its_owner_has_left_and_its_shard_is_rehomed_an_unconfirmed_message_is_sent_again_with_fresh_spans()
    {
        var (body, spans) = Body(_onSfo);
        var receipt = _redelivery.Track(_onSfo, spans, body)!.Value;

        // sfo left the cluster: its shards are refused until they are forgotten (the region may
        // still route to it), so nothing is sent into the same hole.
        _homes.Departed();
        Publish(ImmutableDictionary<string, Address>.Empty.Add(Extractor.ShardOf(_onIad), Iad).Add(Extractor.ShardOf(_onSfo), Sfo), Sfo);
        Clock.Advance(After);
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // Forgotten: the shard has no home, the region will ask the coordinator for one.
        Publish(ImmutableDictionary<string, Address>.Empty.Add(Extractor.ShardOf(_onIad), Iad));
        Clock.Advance(RedeliveryActor.CheckInterval(After));
        var again = _region.ExpectMsg<TraceCommands.AppendSpans>();
        Assert.Equal(_onSfo, again.TraceId);
        Assert.Equal(receipt, again.Receipt);
        // Fresh span objects decoded from the same bytes (a local shard recycles the originals).
        Assert.NotSame(spans[0], Assert.Single(again.Spans));
        Assert.True(spans[0].Raw.Span.SequenceEqual(again.Spans[0].Raw.Span));
        Assert.Equal(spans[0].SpanId, again.Spans[0].SpanId);
        Assert.Same(body, again.Source);
        Assert.Equal(3, body.Shares); // the caller's, the redelivery's, the copy's
        Assert.Equal(1, _redelivery.Unconfirmed.Redelivered);

        // The copy waits for a home: it is not sent again unless another owner leaves.
        Clock.Advance(After * 2);
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        again.ReleaseSource();
        _actor.Tell(new TraceCommands.ConfirmDeliveries([receipt.Id]));
        AwaitCondition(() => _redelivery.Unconfirmed.Count == 0);
        Assert.Equal(1, body.Shares);
    }

    [Fact]
    public void A_message_whose_home_was_not_known_is_sent_again_only_after_some_owner_left()
    {
        Publish(ImmutableDictionary<string, Address>.Empty);
        var (body, spans) = Body(_onSfo);
        _redelivery.Track(_onSfo, spans, body);
        Clock.Advance(After * 2);
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        _homes.Departed();
        Clock.Advance(RedeliveryActor.CheckInterval(After));
        Assert.Equal(_onSfo, _region.ExpectMsg<TraceCommands.AppendSpans>().TraceId);
    }

    [Fact]
    public void Once_the_confirming_actor_has_stopped_messages_go_without_a_receipt()
    {
        Watch(_actor);
        Sys.Stop(_actor);
        ExpectTerminated(_actor);
        Assert.False(_redelivery.Ready);
        var (body, spans) = Body(_onSfo);
        Assert.Null(_redelivery.Track(_onSfo, spans, body));
        Assert.Equal(1, body.Shares);
        Assert.Equal(0, _redelivery.Unconfirmed.Count);
    }

    [Fact]
    public void A_message_never_confirmed_by_an_owner_that_never_left_is_given_up_and_its_share_returned()
    {
        var (body, spans) = Body(_onSfo);
        _redelivery.Track(_onSfo, spans, body);
        Clock.Advance(_redelivery.GiveUpAfter);
        AwaitCondition(() => _redelivery.Unconfirmed.Count == 0);
        Assert.Equal(1, _redelivery.GivenUp);
        Assert.Equal(1, body.Shares);
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_source_waiting_for_decisions_gets_a_receipt_for_a_local_shard_too_and_hears_once_every_message_is_confirmed()
    {
        var countdown = new ConfirmationCountdown();
        var (local, localSpans) = Body(_onIad);
        var (remote, remoteSpans) = Body(_onSfo);
        var onIad = _redelivery.Track(_onIad, localSpans, local, countdown)!.Value;
        var onSfo = _redelivery.Track(_onSfo, remoteSpans, remote, countdown)!.Value;
        countdown.Seal();

        // The local message keeps nothing here, not even an entry: its receipt is the wait
        // itself, which the shard on this node tells directly (OwedConfirmations).
        Assert.Same(countdown, onIad.Waiting);
        Assert.Equal(1, local.Shares);
        Assert.Equal(remoteSpans[0].Raw.Length, _redelivery.Unconfirmed.Bytes);
        Assert.Equal(1, _redelivery.Unconfirmed.Count);
        Assert.Null(onSfo.Waiting);

        _actor.Tell(new TraceCommands.ConfirmDeliveries([onSfo.Id]));
        AwaitCondition(() => _redelivery.Unconfirmed.Count == 0);
        Assert.False(countdown.Task.IsCompleted);
        // A confirmation that comes twice (a redelivered copy) counts once.
        _actor.Tell(new TraceCommands.ConfirmDeliveries([onSfo.Id]));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.False(countdown.Task.IsCompleted);
        OwedConfirmations.Get(Sys).Owe(onIad, TimeSpan.FromMilliseconds(100));
        Assert.True(countdown.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public void Local_messages_of_one_submit_name_its_wait_and_the_wait_needs_each_of_their_confirmations()
    {
        var countdown = new ConfirmationCountdown();
        var onIad2 = Enumerable.Range(2, 1000).Select(i => new TraceId(2, (ulong)i)).First(t => Extractor.ShardOf(t) == Extractor.ShardOf(_onIad));
        var first = _redelivery.Track(_onIad, Body(_onIad).Spans, null, countdown);
        var second = _redelivery.Track(onIad2, Body(onIad2).Spans, null, countdown);
        countdown.Seal();

        Assert.Same(countdown, first!.Value.Waiting);
        Assert.Same(countdown, second!.Value.Waiting);
        Assert.Equal(0, _redelivery.Unconfirmed.Count);
        var owed = OwedConfirmations.Get(Sys);
        owed.Owe(first.Value, TimeSpan.FromMilliseconds(100));
        Assert.False(countdown.Task.IsCompleted);
        owed.Owe(second.Value, TimeSpan.FromMilliseconds(100));
        Assert.True(countdown.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_local_message_a_source_waits_for_is_never_sent_again_even_once_its_shard_moves()
    {
        var countdown = new ConfirmationCountdown();
        var (body, spans) = Body(_onIad);
        _redelivery.Track(_onIad, spans, body, countdown);
        countdown.Seal();

        // The shard moved to sfo: its hand-off decided (and confirmed) what it held, and nothing
        // was kept to send again anyway.
        _homes.Departed();
        Publish(ImmutableDictionary<string, Address>.Empty.Add(Extractor.ShardOf(_onIad), Sfo));
        Clock.Advance(After * 2);
        _region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.False(countdown.Task.IsCompleted);
    }

    [Fact]
    public void A_source_hears_its_wait_is_abandoned_when_a_message_is_given_up_or_the_node_stops()
    {
        var givenUp = new ConfirmationCountdown();
        var (body, spans) = Body(_onSfo);
        _redelivery.Track(_onSfo, spans, body, givenUp);
        givenUp.Seal();
        Clock.Advance(_redelivery.GiveUpAfter);
        AwaitCondition(() => givenUp.Task.IsCanceled);

        // A message to another node still unconfirmed when the node stops. (A local wait is the
        // source's own to give up on at its stop: no entry here holds it.)
        var stopping = new ConfirmationCountdown();
        _redelivery.Track(_onSfo, Body(_onSfo).Spans, null, stopping);
        stopping.Seal();
        Watch(_actor);
        Sys.Stop(_actor);
        ExpectTerminated(_actor);
        Assert.True(stopping.Task.IsCanceled);

        // Once stopped, a wait cannot be heard at all.
        var late = new ConfirmationCountdown();
        Assert.Null(_redelivery.Track(_onIad, Body(_onIad).Spans, null, late));
        Assert.True(late.Task.IsCanceled);
    }
}
