using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Domain.Completion;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Actors.Tests.Traces;

/// <summary>
/// The shard actor under virtual time: the TestScheduler replaces the clock and the timers, so
/// "send-delay passed" is a call to Advance, not a sleep. Every Advance is followed by a status
/// query: the tick it fired is in the mailbox before the query, so once the query is answered the
/// tick has been handled and the sink can be read.
/// </summary>
public sealed class TraceShardActorSpec : TestKit
{
    private const string Hocon = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";
    private static readonly TraceId Trace = new(0xAAAA, 0xBBBB);
    private static readonly TraceId Other = new(0xAAAA, 0xCCCC);

    private readonly RecordingSink _sink = new();
    private readonly PipelineGauges _gauges = new();
    private readonly DecisionCache _cache = new(100, TimeSpan.FromMinutes(5));
    private readonly TraceActorSettings _settings = TraceActorSettings.Default with
    {
        Completion = new CompletionSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 50, 1_000_000),
    };

    public TraceShardActorSpec()
        : base(Hocon)
    {
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    private static readonly TraceSampler ErrorsOrDrop = new(new SamplingRules(
        [new SamplingRule("errors", StatusCodeCondition.Error, KeepAction.All)],
        DropAction.Instance));

    private static BufferedSpan Span(ulong id, ulong parent = 0, SpanStatusCode status = SpanStatusCode.Unset, TraceId? trace = null)
        => new(trace ?? Trace, new SpanId(id), new SpanId(parent), 1_000, 5_000, "GET /", SpanKind.Server, status, new SpanOrigin("edge", "iad", [], []), new byte[64]);

    private static byte[] Encode(TraceId trace, ulong id, ulong parent, SpanStatusCode status) => OtlpEncoder.EncodeSpan(new SpanDetail
    {
        TraceId = trace,
        SpanId = new SpanId(id),
        ParentSpanId = new SpanId(parent),
        Name = "GET /api/orders",
        Kind = SpanKind.Server,
        StartUnixNano = 1_000,
        EndUnixNano = 5_000,
        Attributes = [new("http.route", AttributeValue.FromString("/api/orders")), new("http.response.status_code", AttributeValue.FromInt(500))],
        StatusCode = status,
    });

    /// <summary>Encoded spans laid end to end in one pooled body, and the spans decoded as slices of it (as a receiver does).</summary>
    private static (SharedBuffer Body, BufferedSpan[] Spans) InOneBody(SharedBufferPool pool, params byte[][] encoded)
    {
        var body = pool.Rent(encoded.Sum(e => e.Length));
        var spans = new BufferedSpan[encoded.Length];
        var offset = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            encoded[i].CopyTo(body.Writable[offset..].Span);
            spans[i] = OtlpTraceDecoder.DecodeSpan(body.Memory.Slice(offset, encoded[i].Length), SpanOrigin.Unknown);
            offset += encoded[i].Length;
        }
        return (body, spans);
    }

    /// <summary>
    /// What the ingress and a receiver do: a share for the message, and the receiver's own given
    /// back — here before the shard runs, so the message's share is the last one and a shard that
    /// gave it back before copying the spans would find them poisoned.
    /// </summary>
    private void AppendFromBody(IActorRef actor, SharedBuffer body, BufferedSpan[] spans)
    {
        body.Retain();
        var message = new TraceCommands.AppendSpans(spans[0].TraceId, spans) { Source = body };
        body.Release();
        actor.Tell(message);
        Status(actor, spans[0].TraceId);
    }

    private IActorRef Start(DecisionCache? cache = null)
        => Sys.ActorOf(TraceShardActor.Props("7", _settings, ErrorsOrDrop, cache ?? _cache, _sink, _gauges));

    private TraceQueries.TraceStatus Status(IActorRef actor, TraceId? trace = null)
    {
        actor.Tell(new TraceQueries.GetTraceStatus(trace ?? Trace), TestActor);
        return ExpectMsg<TraceQueries.TraceStatus>();
    }

    private void Append(IActorRef actor, params BufferedSpan[] spans)
    {
        actor.Tell(new TraceCommands.AppendSpans(spans[0].TraceId, spans));
        // Behind the append in the same mailbox: once it answers, the append (and the timer it
        // armed) happened, so advancing virtual time cannot race it.
        Status(actor, spans[0].TraceId);
    }

    private void Advance(IActorRef actor, TimeSpan by)
    {
        // Everything told before is handled (and its timers armed) before the clock moves.
        Status(actor);
        Clock.Advance(by);
        Status(actor);
    }

    [Fact]
    public void A_trace_is_decided_once_send_delay_after_its_last_span()
    {
        var actor = Start();
        Append(actor, Span(1), Span(2, parent: 1, status: SpanStatusCode.Error));

        Advance(actor, TimeSpan.FromSeconds(1.9));
        Assert.Equal(2, Status(actor).SpansBuffered);
        Assert.Empty(_sink.Decided);

        Advance(actor, TimeSpan.FromSeconds(0.2));
        var decided = Assert.Single(_sink.Decided);
        Assert.True(decided.Decision.Keep);
        Assert.Equal("rules/errors", decided.Decision.Reason);
        Assert.Equal(CompletionReasons.GotRoot, decided.CompletionReason);
        Assert.Equal(2, decided.Spans.Count);
        Assert.Equal(0, _gauges.SpansBuffered);
        Assert.Equal(0, _gauges.TracesBuffered);
        Assert.Equal(1, _gauges.TracesDecided);
        Assert.Equal("rules/errors", Status(actor).Decision?.Reason);
    }

    [Fact]
    public void A_retried_request_does_not_buffer_its_spans_twice_and_the_copies_are_counted()
    {
        var actor = Start();
        Append(actor, Span(1), Span(2, parent: 1, status: SpanStatusCode.Error));
        // The client did not get the answer and sends the request again, with one more span.
        Append(actor, Span(1), Span(2, parent: 1, status: SpanStatusCode.Error), Span(3, parent: 1));
        Assert.Equal(3, Status(actor).SpansBuffered);
        Assert.Equal(3, _gauges.SpansBuffered);
        Assert.Equal(2, _gauges.DuplicateSpans);

        Advance(actor, TimeSpan.FromSeconds(2.1));
        var decided = Assert.Single(_sink.Decided);
        Assert.Equal([1UL, 2UL, 3UL], decided.Spans.Select(s => s.SpanId.Value).Order());
        Assert.Equal(0, _gauges.SpansBuffered);
        Assert.Equal(0, _gauges.BytesBuffered);
    }

    [Fact]
    public void Spans_from_another_nodes_ingest_are_confirmed_to_their_sender_together_one_confirm_interval_after_their_trace_is_decided()
    {
        var actor = Start();
        var (iad, sfo) = (CreateTestProbe(), CreateTestProbe());
        actor.Tell(new TraceCommands.AppendSpans(Trace, [Span(1)]) { Receipt = new DeliveryReceipt(11, iad.Ref) });
        actor.Tell(new TraceCommands.AppendSpans(Other, [Span(1, trace: Other)]) { Receipt = new DeliveryReceipt(12, iad.Ref) });
        actor.Tell(new TraceCommands.AppendSpans(Trace, [Span(2, parent: 1)]) { Receipt = new DeliveryReceipt(5, sfo.Ref) });
        Append(actor, Span(3, parent: 1)); // a local message: no receipt, nothing to confirm
        Assert.Equal(3, Status(actor).SpansBuffered);

        // Buffered is not enough: an owner that crashed now would lose them, so the senders keep them.
        Advance(actor, TimeSpan.FromSeconds(1.9));
        iad.ExpectNoMsg(TimeSpan.Zero);
        sfo.ExpectNoMsg(TimeSpan.Zero);

        // Decided at send-delay (2 s, on the next tick); confirmed one interval after that.
        Advance(actor, TimeSpan.FromSeconds(0.1) + _settings.CompletionTick);
        Assert.Equal(2, _sink.Decided.Count);
        iad.ExpectNoMsg(TimeSpan.Zero);
        Advance(actor, _settings.ConfirmInterval);
        Assert.Equal([11L, 12L], iad.ExpectMsg<TraceCommands.ConfirmDeliveries>().Ids);
        Assert.Equal([5L], sfo.ExpectMsg<TraceCommands.ConfirmDeliveries>().Ids);

        // Late spans of a decided trace are confirmed at once: they followed the decision.
        actor.Tell(new TraceCommands.AppendSpans(Trace, [Span(4, parent: 1)]) { Receipt = new DeliveryReceipt(13, iad.Ref) });
        Advance(actor, _settings.ConfirmInterval);
        Assert.Equal([13L], iad.ExpectMsg<TraceCommands.ConfirmDeliveries>().Ids);
        iad.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        sfo.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void With_storage_confirming_a_kept_traces_receipts_travel_with_its_spans_and_a_dropped_ones_are_owed_at_the_decision()
    {
        var actor = Sys.ActorOf(TraceShardActor.Props("7", _settings with { ConfirmAfterStored = true }, ErrorsOrDrop, _cache, _sink, _gauges));
        var iad = CreateTestProbe();
        // Trace is kept (an error), Other dropped.
        actor.Tell(new TraceCommands.AppendSpans(Trace, [Span(1, status: SpanStatusCode.Error)]) { Receipt = new DeliveryReceipt(41, iad.Ref) });
        actor.Tell(new TraceCommands.AppendSpans(Other, [Span(1, trace: Other)]) { Receipt = new DeliveryReceipt(42, iad.Ref) });
        Status(actor);

        Advance(actor, TimeSpan.FromSeconds(2) + _settings.CompletionTick);
        Assert.Equal(2, _sink.Decided.Count);
        // Storage owes the kept trace's receipt once its rows are written: a crash before that
        // would lose them, so the sender keeps its copy. The dropped trace has nothing left to lose.
        Assert.Equal([41L], _sink.Decided.Single(d => d.Decision.Keep).Receipts.ToArray().Select(r => r.Id));
        Assert.True(_sink.Decided.Single(d => !d.Decision.Keep).Receipts.IsEmpty);
        Advance(actor, _settings.ConfirmInterval);
        Assert.Equal([42L], iad.ExpectMsg<TraceCommands.ConfirmDeliveries>().Ids);

        // A late span of the kept trace goes the same way.
        actor.Tell(new TraceCommands.AppendSpans(Trace, [Span(2, parent: 1)]) { Receipt = new DeliveryReceipt(43, iad.Ref) });
        Status(actor);
        Assert.Equal([43L], _sink.Decided.Last().Receipts.ToArray().Select(r => r.Id));
        Advance(actor, _settings.ConfirmInterval);
        iad.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Receipts_owed_by_several_shards_of_a_node_go_to_their_sender_in_one_message()
    {
        var (seven, eight) = (Start(), Sys.ActorOf(TraceShardActor.Props("8", _settings, ErrorsOrDrop, _cache, _sink, _gauges)));
        var iad = CreateTestProbe();
        seven.Tell(new TraceCommands.AppendSpans(Trace, [Span(1)]) { Receipt = new DeliveryReceipt(31, iad.Ref) });
        eight.Tell(new TraceCommands.AppendSpans(Other, [Span(1, trace: Other)]) { Receipt = new DeliveryReceipt(32, iad.Ref) });
        Status(seven);
        Status(eight, Other);

        Advance(seven, TimeSpan.FromSeconds(2) + _settings.CompletionTick);
        Status(eight, Other);
        Assert.Equal(2, _sink.Decided.Count);
        Advance(seven, _settings.ConfirmInterval);
        Assert.Equal([31L, 32L], iad.ExpectMsg<TraceCommands.ConfirmDeliveries>().Ids.Order());
        iad.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_shard_handing_off_confirms_what_it_owes_before_it_stops()
    {
        var actor = Start();
        var iad = CreateTestProbe();
        actor.Tell(new TraceCommands.AppendSpans(Trace, [Span(1)]) { Receipt = new DeliveryReceipt(21, iad.Ref) });
        Watch(actor);
        actor.Tell(TraceCommands.HandOffStop.Instance);
        ExpectTerminated(actor);
        Assert.Equal([21L], iad.ExpectMsg<TraceCommands.ConfirmDeliveries>().Ids);
        Assert.Equal(CompletionReasons.HandOff, Assert.Single(_sink.Decided).CompletionReason);
    }

    [Fact]
    public void A_shard_gives_back_the_span_slots_a_burst_made_it_grow_once_a_trim_interval_passed_without_it()
    {
        var actor = Start();
        for (ulong t = 1; t <= 30; t++)
        {
            var trace = new TraceId(0xB, t);
            Append(actor, Enumerable.Range(1, 40).Select(i => Span((ulong)i, trace: trace)).ToArray());
        }
        Assert.Equal(5 * 256, _gauges.SpanSlotsHeld); // 1,200 spans in pages of 256

        Advance(actor, TimeSpan.FromSeconds(2.1));
        Assert.Equal(30, _sink.Decided.Count);
        Assert.Equal(5 * 256, _gauges.SpanSlotsHeld);

        Advance(actor, TimeSpan.FromSeconds(10));
        Assert.Equal(5 * 256, _gauges.SpanSlotsHeld); // the first trim's interval had the burst in it

        Advance(actor, TimeSpan.FromSeconds(10));
        Assert.Equal(0, _gauges.SpanSlotsHeld);

        // A shard that gave its pages back buffers and decides as before.
        Append(actor, Span(1), Span(2, parent: 1, status: SpanStatusCode.Error));
        Assert.Equal(256, _gauges.SpanSlotsHeld);
        Advance(actor, TimeSpan.FromSeconds(2.1));
        Assert.Equal("rules/errors", Status(actor).Decision?.Reason);
        Assert.Equal(2, _sink.Decided.Last().Spans.Count);
    }

    [Fact]
    public void Real_OTLP_spans_leave_the_buffer_gauge_at_zero_and_kept_ones_reach_the_sink_byte_for_byte()
    {
        // Buffers hold span bytes compacted: the gauge must be released with what it was charged.
        var kept = new[] { Encode(Trace, 1, 0, SpanStatusCode.Unset), Encode(Trace, 2, 1, SpanStatusCode.Error) };
        var dropped = new[] { Encode(Other, 1, 0, SpanStatusCode.Unset) };
        var actor = Start();
        Append(actor, kept.Select(r => OtlpTraceDecoder.DecodeSpan(r, SpanOrigin.Unknown)).ToArray());
        Append(actor, dropped.Select(r => OtlpTraceDecoder.DecodeSpan(r, SpanOrigin.Unknown)).ToArray());
        Assert.InRange(_gauges.BytesBuffered, 1, kept.Sum(r => r.Length) + dropped.Sum(r => r.Length) - 1);

        Advance(actor, TimeSpan.FromSeconds(2.1));

        Assert.Equal(2, _sink.Decided.Count);
        Assert.Equal(0, _gauges.BytesBuffered);
        Assert.Equal(0, _gauges.SpansBuffered);
        var keptTrace = Assert.Single(_sink.Decided, d => d.Decision.Keep);
        Assert.Equal(kept, keptTrace.Spans.Select(s => s.Raw.ToArray()));
    }

    [Fact]
    public void A_decided_traces_spans_are_not_kept_alive_by_the_shard_once_published()
    {
        // Decided traces' state is pooled for reuse; the pool must not keep the last trace's span
        // list (and a kept trace's span bytes) alive until some later trace reuses the buffer.
        var sink = new ForgettingSink();
        var actor = Sys.ActorOf(TraceShardActor.Props("7", _settings, ErrorsOrDrop, _cache, sink, _gauges));
        Append(actor, Span(1, status: SpanStatusCode.Error), Span(2, parent: 1));
        Append(actor, Span(1, trace: Other));

        Advance(actor, TimeSpan.FromSeconds(2.1));
        Assert.Equal(2, sink.Spans.Count);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // The dropped trace's list is the shard's spare for its next decision (see the reuse spec below).
        Assert.All(sink.Spans.Where(s => s.Keep), spans => Assert.False(spans.List.TryGetTarget(out _)));
    }

    [Fact]
    public void A_dropped_traces_span_objects_are_reused_by_the_next_decision_and_a_kept_traces_are_not()
    {
        var sink = new IdentitySink();
        var actor = Sys.ActorOf(TraceShardActor.Props("7", _settings, ErrorsOrDrop, _cache, sink, _gauges));
        var traces = Enumerable.Range(1, 4).Select(i => new TraceId(0xAB, (ulong)i)).ToArray();
        // Decided one after another: dropped, dropped, kept (an error), dropped.
        Append(actor, Span(1, trace: traces[0]));
        Advance(actor, TimeSpan.FromSeconds(2.1));
        Append(actor, Span(7, trace: traces[1]));
        Advance(actor, TimeSpan.FromSeconds(2.1));
        Append(actor, Span(1, trace: traces[2], status: SpanStatusCode.Error));
        Advance(actor, TimeSpan.FromSeconds(2.1));
        Append(actor, Span(9, trace: traces[3]));
        Advance(actor, TimeSpan.FromSeconds(2.1));

        var decided = sink.Decided.ToArray();
        Assert.Equal(traces, decided.Select(d => d.TraceId));
        Assert.Equal([false, false, true, false], decided.Select(d => d.Keep));
        // Each trace after a dropped one was decided with the dropped one's span object, made its own.
        Assert.Same(decided[0].Span, decided[1].Span);
        Assert.Same(decided[1].Span, decided[2].Span);
        Assert.Equal([(traces[0], 1UL), (traces[1], 7UL), (traces[2], 1UL), (traces[3], 9UL)], decided.Select(d => (d.SeenTrace, d.SeenSpanId)));
        // The kept trace's span went on to storage as it was: the next trace got an object of its own.
        Assert.NotSame(decided[2].Span, decided[3].Span);
        Assert.Equal((traces[2], new SpanId(1), SpanStatusCode.Error), (decided[2].Span.TraceId, decided[2].Span.SpanId, decided[2].Span.Status));
    }

    /// <summary>Keeps the very span objects it was given, and what they said when given.</summary>
    private sealed class IdentitySink : ITraceOutcomeSink
    {
        public System.Collections.Concurrent.ConcurrentQueue<(TraceId TraceId, bool Keep, BufferedSpan Span, TraceId SeenTrace, ulong SeenSpanId)> Decided { get; } = new();

        public void OnDecided(in TraceDecided decided)
        {
            var span = Assert.Single(decided.Spans);
            Decided.Enqueue((decided.TraceId, decided.Decision.Keep, span, span.TraceId, span.SpanId.Value));
        }
    }

    [Fact]
    public void A_decided_trace_the_full_pool_turns_away_does_not_keep_its_spans_alive_through_young_GCs()
    {
        // A buffer is old by the time its trace is decided. One the pool has no room for is
        // dropped, but a young GC does not know an old object is dead: whatever young object it
        // still pointed at (the decided span list) would survive, and be promoted, until the
        // next full GC. So the buffer lets go of it whether pooled or not.
        var sink = new ForgettingSink();
        var actor = Sys.ActorOf(TraceShardActor.Props("7", _settings, ErrorsOrDrop, _cache, sink, _gauges));
        const int traces = 1_100; // more than the shard pools (1,024)
        for (var i = 1; i <= traces; i++)
        {
            var trace = new TraceId(0xF00, (ulong)i);
            actor.Tell(new TraceCommands.AppendSpans(trace, [Span(1, trace: trace)]));
        }
        Status(actor);
        // The open traces' buffers go to the old generation, as they would over a send-delay.
        GC.Collect();
        GC.Collect();

        Advance(actor, TimeSpan.FromSeconds(2.1));
        Assert.Equal(traces, sink.Spans.Count);

        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        // Only one list lives on: the dropped traces' one, reused, the shard's spare for its next decision.
        var alive = sink.Spans.Select(s => s.List.TryGetTarget(out var list) ? list : null).OfType<IReadOnlyList<BufferedSpan>>();
        Assert.InRange(alive.Distinct(ReferenceEqualityComparer.Instance).Count(), 0, 1);
    }

    /// <summary>Remembers only weakly what it was given, like a storage sink once it has written it.</summary>
    private sealed class ForgettingSink : ITraceOutcomeSink
    {
        public List<(bool Keep, WeakReference<IReadOnlyList<BufferedSpan>> List)> Spans { get; } = [];

        public void OnDecided(in TraceDecided decided)
        {
            lock (Spans)
            {
                Spans.Add((decided.Decision.Keep, new WeakReference<IReadOnlyList<BufferedSpan>>(decided.Spans)));
            }
        }
    }

    [Fact]
    public void Every_new_span_restarts_the_quiet_period_of_its_trace_only()
    {
        var actor = Start();
        Append(actor, Span(1));
        Append(actor, Span(1, trace: Other));
        Advance(actor, TimeSpan.FromSeconds(1.5));
        Append(actor, Span(2, parent: 1));

        // Other's quiet period ends at 2 s; Trace's restarted at 1.5 s and ends at 3.5 s.
        Advance(actor, TimeSpan.FromSeconds(0.6));
        Assert.Equal(Other, Assert.Single(_sink.Decided).TraceId);
        Advance(actor, TimeSpan.FromSeconds(1.3));
        Assert.Single(_sink.Decided);
        Advance(actor, TimeSpan.FromSeconds(0.2));
        Assert.Equal([Other, Trace], _sink.Decided.Select(d => d.TraceId));
        Assert.Equal(2, _sink.Decided.Last().Spans.Count);
    }

    [Fact]
    public void Many_traces_of_one_shard_are_each_decided_once_from_one_timer()
    {
        var actor = Start();
        for (var i = 1; i <= 200; i++)
        {
            var trace = new TraceId(0xF00, (ulong)i);
            actor.Tell(new TraceCommands.AppendSpans(trace, [Span(1, trace: trace, status: i % 10 == 0 ? SpanStatusCode.Error : SpanStatusCode.Unset)]));
            if (i % 50 == 0)
            {
                Advance(actor, TimeSpan.FromMilliseconds(500));
            }
        }
        // Four waves 0.5 s apart: at 2 s only the first wave's send-delay has passed.
        Assert.Equal(50, _sink.Decided.Count);
        Assert.Equal(150, _gauges.TracesBuffered);

        Advance(actor, TimeSpan.FromSeconds(3));

        Assert.Equal(200, _sink.Decided.Count);
        Assert.Equal(200, _sink.Decided.Select(d => d.TraceId).Distinct().Count());
        Assert.Equal(20, _sink.Decided.Count(d => d.Decision.Keep));
        Assert.Equal(0, _gauges.TracesBuffered);
    }

    [Fact]
    public void A_busy_shards_repeating_tick_decides_each_trace_within_one_tick_of_its_send_delay_and_an_idle_one_from_a_single_timer()
    {
        var actor = Start();
        var tick = TraceActorSettings.Default.CompletionTick;
        var sendDelay = TimeSpan.FromSeconds(2);
        // A trace every 5 ms for 3 s: checks keep coming due, so the tick repeats. Then a pause,
        // and one more trace: its check is far away when the busy traces are done.
        var arrivals = new List<(TraceId Trace, TimeSpan At)>();
        var elapsed = TimeSpan.Zero;
        for (var i = 1; i <= 600; i++)
        {
            var trace = new TraceId(0xB05, (ulong)i);
            Append(actor, Span(1, trace: trace));
            arrivals.Add((trace, elapsed));
            Advance(actor, TimeSpan.FromMilliseconds(5));
            elapsed += TimeSpan.FromMilliseconds(5);
            AssertDecidedOnTime();
        }
        for (var i = 0; i < 420; i++)
        {
            Advance(actor, TimeSpan.FromMilliseconds(5));
            elapsed += TimeSpan.FromMilliseconds(5);
            AssertDecidedOnTime();
        }
        Assert.Equal(600, _sink.Decided.Count);
        // A single timer for the first check, then one repeating timer through the ~300 ticks in
        // which checks kept coming due (a timer started after every tick would be ~300 starts).
        var busyStarts = _gauges.CompletionTimerStarts;
        Assert.InRange(busyStarts, 1, 4);

        Append(actor, Span(1, trace: Other));
        arrivals.Add((Other, elapsed));
        Advance(actor, sendDelay - TimeSpan.FromMilliseconds(1));
        elapsed += sendDelay - TimeSpan.FromMilliseconds(1);
        AssertDecidedOnTime();
        Advance(actor, TimeSpan.FromMilliseconds(1));
        elapsed += TimeSpan.FromMilliseconds(1);
        AssertDecidedOnTime();
        Assert.Equal(601, _sink.Decided.Count);
        // The idle shard's one trace: one single timer, no ticking until it is due.
        Assert.Equal(busyStarts + 1, _gauges.CompletionTimerStarts);

        void AssertDecidedOnTime()
        {
            var decided = _sink.Decided.Select(d => d.TraceId).ToHashSet();
            foreach (var (trace, at) in arrivals)
            {
                // Never before its send-delay passed; at most one tick (and the 5 ms step) after.
                if (elapsed < at + sendDelay)
                {
                    Assert.DoesNotContain(trace, decided);
                }
                else if (elapsed >= at + sendDelay + tick + TimeSpan.FromMilliseconds(5))
                {
                    Assert.Contains(trace, decided);
                }
            }
        }
    }

    [Fact]
    public void Late_spans_follow_the_decision_even_in_a_new_incarnation_of_the_shard()
    {
        var first = Start();
        Append(first, Span(1, status: SpanStatusCode.Error));
        Advance(first, TimeSpan.FromSeconds(2));
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        // The shard restarted on the same node (the node's cache survives): no second decision.
        var second = Start();
        Append(second, Span(7, parent: 1));
        Assert.Equal(2, _sink.Decided.Count);
        var late = _sink.Decided.Last();
        Assert.True(late.IsLate);
        Assert.True(late.Decision.Keep);
        Assert.Equal("late/rules/errors", late.Decision.Reason);
        Assert.Equal(1, _gauges.TracesDecided);
        Assert.Equal(1, _gauges.LateSpans);
        Assert.Equal(0, _gauges.SpansBuffered);
    }

    [Fact]
    public void Only_a_kept_trace_carries_its_stitch_to_storage()
    {
        var actor = Start();
        Append(actor, Span(1, status: SpanStatusCode.Error));
        Append(actor, Span(1, trace: Other));
        Advance(actor, TimeSpan.FromSeconds(2));

        Assert.Equal(["iad"], _sink.Decided.Single(d => d.TraceId == Trace).Stitch?.Regions);
        Assert.Null(_sink.Decided.Single(d => d.TraceId == Other).Stitch);
    }

    [Fact]
    public void Only_a_kept_trace_hands_its_sink_a_share_of_the_pooled_buffer_its_spans_now_slice()
    {
        var actor = Start();
        Append(actor, Span(1, status: SpanStatusCode.Error), Span(2, parent: 1));
        Append(actor, Span(1, trace: Other));
        Advance(actor, TimeSpan.FromSeconds(2));

        var kept = _sink.Decided.Single(d => d.TraceId == Trace);
        var bytes = Assert.IsType<SharedBuffer>(kept.KeptBytes);
        Assert.Equal(1, bytes.Shares);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes.Memory, out var own));
        Assert.All(kept.Spans, s => Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(s.Raw, out var slice) && slice.Array == own.Array));
        Assert.Equal(bytes.Length, kept.Spans.Sum(s => s.Raw.Length));
        // Its span objects are the recycler's, for storage to give back with the bytes.
        Assert.All(kept.Spans, s => Assert.True(s.IsRecyclable));
        Assert.Null(_sink.Decided.Single(d => d.TraceId == Other).KeptBytes);
        bytes.Release();
    }

    [Fact]
    public void A_dropped_trace_drops_its_late_spans_too()
    {
        var actor = Start();
        Append(actor, Span(1));
        Advance(actor, TimeSpan.FromSeconds(2));
        Append(actor, Span(2, parent: 1, status: SpanStatusCode.Error));
        Assert.Equal(2, _sink.Decided.Count);
        Assert.All(_sink.Decided, d => Assert.False(d.Decision.Keep));
        Assert.Equal(1, _gauges.TracesDecided);
    }

    [Fact]
    public void A_trace_waiting_for_another_regions_fragment_is_decided_at_the_timeout_with_that_reason()
    {
        var actor = Start();
        Append(actor, Span(1), Span(3, parent: 9, status: SpanStatusCode.Error));
        Advance(actor, TimeSpan.FromSeconds(10));
        Assert.Empty(_sink.Decided);
        Assert.Equal(Clock.Now + TimeSpan.FromSeconds(20), Status(actor).NextCheck);
        Advance(actor, TimeSpan.FromSeconds(20));
        Assert.Equal(CompletionReasons.ExpiredMissingParent, Assert.Single(_sink.Decided).CompletionReason);
    }

    [Fact]
    public void A_hand_off_decides_every_buffered_trace_early_instead_of_losing_them()
    {
        var actor = Start();
        Watch(actor);
        Append(actor, Span(1, status: SpanStatusCode.Error));
        Append(actor, Span(1, trace: Other));
        actor.Tell(TraceCommands.HandOffStop.Instance);
        ExpectTerminated(actor);
        Assert.Equal(2, _sink.Decided.Count);
        Assert.All(_sink.Decided, d => Assert.Equal(CompletionReasons.HandOff, d.CompletionReason));
        Assert.True(_sink.Decided.Single(d => d.TraceId == Trace).Decision.Keep);
        Assert.Equal(0, _gauges.SpansBuffered);
        Assert.Equal(0, _gauges.TracesBuffered);
    }

    [Fact]
    public void A_shard_stopped_without_hand_off_still_decides_what_it_holds()
    {
        var actor = Start();
        Watch(actor);
        Append(actor, Span(1, status: SpanStatusCode.Error));
        Sys.Stop(actor);
        ExpectTerminated(actor);
        Assert.Equal(CompletionReasons.HandOff, Assert.Single(_sink.Decided).CompletionReason);
    }

    [Fact]
    public void The_span_limit_decides_a_giant_trace_without_waiting()
    {
        var actor = Start();
        Append(actor, Enumerable.Range(1, 50).Select(i => Span((ulong)i, parent: i == 1 ? 0UL : 1UL)).ToArray());
        Assert.Equal(CompletionReasons.SpanLimit, Assert.Single(_sink.Decided).CompletionReason);
    }

    [Fact]
    public void A_status_query_for_a_trace_it_holds_nothing_of_answers_without_keeping_anything()
    {
        var actor = Start();
        var status = Status(actor);
        Assert.Equal(0, status.SpansBuffered);
        Assert.Null(status.Decision);
        Assert.Equal(0, _gauges.TracesBuffered);
    }

    [Fact]
    public void A_status_query_finds_a_decision_this_node_remembers()
    {
        var first = Start();
        Append(first, Span(1, status: SpanStatusCode.Error));
        Advance(first, TimeSpan.FromSeconds(2));
        Sys.Stop(first);

        var second = Start();
        Assert.Equal("rules/errors", Status(second).Decision?.Reason);
    }

    [Fact]
    public void A_kept_traces_bytes_stay_intact_on_their_way_to_storage_while_the_shard_reuses_its_memory()
    {
        var actor = Start();
        var body = Enumerable.Repeat((byte)0x5A, 64).ToArray();
        var kept = new BufferedSpan(Trace, new SpanId(1), default, 1_000, 5_000, "GET /", SpanKind.Server, SpanStatusCode.Error, new SpanOrigin("edge", "iad", [], []), body);
        Append(actor, kept);
        // Copied out of the request body when buffered: the body is no longer needed.
        Array.Fill(body, (byte)0);
        Advance(actor, TimeSpan.FromSeconds(2));
        for (ulong i = 1; i <= 50; i++)
        {
            var trace = new TraceId(0xBEEF, i);
            Append(actor, new BufferedSpan(trace, new SpanId(1), default, 1_000, 5_000, "GET /", SpanKind.Server, SpanStatusCode.Unset, new SpanOrigin("edge", "iad", [], []), Enumerable.Repeat((byte)0xEE, 64).ToArray()));
        }
        Advance(actor, TimeSpan.FromSeconds(2));

        var decided = _sink.Decided.Single(d => d.TraceId == Trace);
        Assert.True(decided.Decision.Keep);
        Assert.All(decided.Spans[0].Raw.ToArray(), b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public void A_request_body_goes_back_to_its_pool_once_the_shard_has_copied_its_spans_and_the_kept_ones_reach_the_sink_intact()
    {
        // Returned arrays are overwritten with 0xFF: a span read from its body after the body went
        // back would reach the sink as 0xFF bytes, not as sent.
        var pool = new SharedBufferPool { PoisonReturned = true };
        var kept = new[] { Encode(Trace, 1, 0, SpanStatusCode.Unset), Encode(Trace, 2, 1, SpanStatusCode.Error) };
        var actor = Start();

        var (first, firstSpans) = InOneBody(pool, kept[0]);
        AppendFromBody(actor, first, firstSpans); // opens the trace
        var (second, secondSpans) = InOneBody(pool, kept[1]);
        AppendFromBody(actor, second, secondSpans); // joins the open trace

        Assert.Equal(0, first.Shares);
        Assert.Equal(0, second.Shares);
        // The second body was the first's array again (poisoned in between), and it is back too.
        Assert.Equal(1, pool.FreeCount);
        Advance(actor, TimeSpan.FromSeconds(2.1));
        var decided = Assert.Single(_sink.Decided);
        Assert.True(decided.Decision.Keep);
        Assert.Equal(kept, decided.Spans.Select(s => s.Raw.ToArray()));
    }

    [Fact]
    public void Late_spans_of_a_kept_trace_hold_their_request_body_on_their_way_to_storage()
    {
        var pool = new SharedBufferPool { PoisonReturned = true };
        var actor = Start();
        Append(actor, Span(1, status: SpanStatusCode.Error));
        Advance(actor, TimeSpan.FromSeconds(2.1));

        // The late span goes on to the sink as it arrived, still a slice of the body: the
        // message's share must stay out, or the next request would overwrite a span being stored.
        var late = Encode(Trace, 7, 1, SpanStatusCode.Unset);
        var (body, spans) = InOneBody(pool, late);
        AppendFromBody(actor, body, spans);

        Assert.Equal(1, body.Shares);
        Assert.Equal(0, pool.FreeCount);
        var decided = _sink.Decided.Last();
        Assert.True(decided.IsLate);
        Assert.Equal(late, Assert.Single(decided.Spans).Raw.ToArray());
    }

    [Fact]
    public void The_shard_gives_back_the_span_objects_it_copied_but_not_late_spans_it_passes_on()
    {
        // Decoded spans are lent by a recycler; the shard copies them into its buffer and gives
        // them back for the decoder to fill again. A late span of a kept trace goes on to the sink
        // as it is, so it must not be given back while storage still holds it.
        var recycler = new SpanRecycler(16);
        var actor = Sys.ActorOf(TraceShardActor.Props("7", _settings, ErrorsOrDrop, _cache, _sink, _gauges, recycler));
        var buffered = new[] { Encode(Trace, 1, 0, SpanStatusCode.Error), Encode(Trace, 2, 1, SpanStatusCode.Unset) }
            .Select(r => OtlpTraceDecoder.DecodeSpan(r, SpanOrigin.Unknown)).ToArray();

        Append(actor, buffered);
        Assert.Equal(2, recycler.Count);
        Assert.All(buffered, s => Assert.False(s.IsRecyclable));

        Advance(actor, TimeSpan.FromSeconds(2.1));
        var late = OtlpTraceDecoder.DecodeSpan(Encode(Trace, 7, 1, SpanStatusCode.Unset), SpanOrigin.Unknown);
        Append(actor, late);

        Assert.Equal(2, recycler.Count);
        Assert.True(late.IsRecyclable);
        var decided = _sink.Decided.Last();
        Assert.True(decided.IsLate);
        Assert.Same(late, Assert.Single(decided.Spans));
        // The kept trace reached the sink intact although its decoded objects were given back.
        Assert.Equal(["GET /api/orders", "GET /api/orders"], _sink.Decided.First().Spans.Select(s => s.Name));
    }
}
