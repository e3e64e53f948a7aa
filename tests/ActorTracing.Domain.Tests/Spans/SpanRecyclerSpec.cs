using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Tests.Otlp;

namespace ActorTracing.Domain.Tests.Spans;

public sealed class SpanRecyclerSpec
{
    private static readonly TraceId Trace = new(0x1111, 0x2222);

    // As the decoder does: take, then fill.
    private static BufferedSpan Take(SpanRecycler recycler, ulong id, string name = "GET /", byte[]? raw = null)
    {
        var span = recycler.Take();
        span.Reuse(Trace, new SpanId(id), default, 1_000, 5_000, name, SpanKind.Server, SpanStatusCode.Unset, SpanOrigin.Unknown, raw ?? new byte[8], keys: null);
        return span;
    }

    [Fact]
    public void A_returned_span_is_the_object_the_next_take_fills_with_the_new_spans_fields()
    {
        var recycler = new SpanRecycler(4);
        var first = Take(recycler, 1, "first", [1, 2, 3]);
        Assert.True(first.IsRecyclable);

        recycler.Return([first]);
        Assert.Equal(1, recycler.Count);
        Assert.False(first.IsRecyclable);
        Assert.Equal(0, first.Size); // it lets go of the bytes it sliced

        var second = Take(recycler, 2, "second", [9, 9]);
        Assert.Same(first, second);
        Assert.True(second.IsRecyclable);
        Assert.Equal(2UL, second.SpanId.Value);
        Assert.Equal("second", second.Name);
        Assert.Equal([9, 9], second.Raw.ToArray());
        Assert.Equal(0, recycler.Count);
    }

    [Fact]
    public void Spans_it_did_not_lend_are_never_taken_back()
    {
        // Tests, JSON and Kafka replays build spans with the constructor; whoever holds those
        // may read them later, so the recycler must not hand them to the decoder.
        var recycler = new SpanRecycler(4);
        var own = new BufferedSpan(Trace, new SpanId(1), default, 1, 2, "x", SpanKind.Server, SpanStatusCode.Unset, SpanOrigin.Unknown, new byte[4]);

        recycler.Return([own]);

        Assert.Equal(0, recycler.Count);
        Assert.Equal(4, own.Size);
        Assert.NotSame(own, Take(recycler, 2));
    }

    [Fact]
    public void A_span_returned_twice_is_held_once_so_two_takes_never_share_an_object()
    {
        var recycler = new SpanRecycler(4);
        var span = Take(recycler, 1);

        recycler.Return([span]);
        recycler.Return([span, span]);

        Assert.Equal(1, recycler.Count);
        Assert.NotSame(Take(recycler, 2), Take(recycler, 3));
    }

    [Fact]
    public void It_holds_at_most_its_capacity_and_the_rest_are_left_to_the_GC()
    {
        var recycler = new SpanRecycler(2);
        var spans = Enumerable.Range(1, 5).Select(i => Take(recycler, (ulong)i)).ToArray();

        recycler.Return(spans);

        Assert.Equal(2, recycler.Count);
        Assert.All(spans, s => Assert.False(s.IsRecyclable));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpanRecycler(0));
    }

    [Fact]
    public void The_ingest_decoder_lends_its_spans_from_the_shared_recycler()
    {
        var result = OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest(OtlpSamples.Rich()), "local");

        Assert.All(result.Traces.SelectMany(t => t.Spans), s => Assert.True(s.IsRecyclable));
        Assert.True(OtlpTraceDecoder.DecodeSpan(OtlpEncoder.EncodeSpan(OtlpSamples.MinimalSpan(OtlpSamples.TraceA, 1)), SpanOrigin.Unknown).IsRecyclable);
    }

    [Fact]
    public void A_lent_list_comes_back_emptied_with_its_spans_and_is_lent_again()
    {
        var recycler = new SpanRecycler(8);
        var list = recycler.TakeList();
        list.Add(Take(recycler, 1));
        list.Add(Take(recycler, 2));

        recycler.Return(list);
        recycler.Return(list); // a second give-back holds it once

        Assert.Empty(list);
        Assert.Equal(1, recycler.ListCount);
        Assert.Equal(2, recycler.Count);
        Assert.Same(list, recycler.TakeList());
        Assert.NotSame(list, recycler.TakeList());
    }

    [Fact]
    public void Lists_it_did_not_lend_or_that_grew_large_are_not_kept()
    {
        var recycler = new SpanRecycler(8);
        List<BufferedSpan> plain = [Take(recycler, 1)];
        recycler.Return(plain);
        Assert.Single(plain); // left as it was: its owner may read it
        Assert.Equal(0, recycler.ListCount);

        var large = recycler.TakeList();
        large.AddRange(Enumerable.Range(1, 100).Select(i => Take(recycler, (ulong)i)));
        recycler.Return(large);
        Assert.Equal(0, recycler.ListCount);
    }

    [Fact]
    public void The_ingest_decoder_gathers_each_traces_spans_in_a_lent_list()
    {
        var result = OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest(OtlpSamples.Rich()), "local");
        var recycler = new SpanRecycler(16);

        recycler.Return(result.Traces[0].Spans);

        Assert.Equal(1, recycler.ListCount);
        Assert.Empty(result.Traces[0].Spans);
    }

    [Fact]
    public void Spans_given_back_on_one_thread_are_taken_on_another_through_the_depot()
    {
        // The decoder takes on request threads, the shards give back on theirs: whole magazines
        // (64 spans) cross over; what is left in the giving thread's own magazine stays there.
        var recycler = new SpanRecycler(16_384);
        var spans = OnThread(() => Enumerable.Range(1, 200).Select(i => Take(recycler, (ulong)i)).ToList());
        // The giving thread stays alive while counted: an ended thread's magazine goes with it.
        using var given = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        var giver = new Thread(() =>
        {
            recycler.Return(spans);
            given.Set();
            done.Wait();
        });
        giver.Start();
        given.Wait();
        try
        {
            Assert.Equal(200, recycler.Count);

            var again = OnThread(() => Enumerable.Range(1, 200).Select(i => Take(recycler, (ulong)i)).ToList());

            var reused = again.Count(s => spans.Contains(s, ReferenceEqualityComparer.Instance));
            Assert.Equal(192, reused); // three magazines; the 8 in the giving thread's magazine stay there
            Assert.Equal(8, recycler.Count);
        }
        finally
        {
            done.Set();
            giver.Join();
        }
    }

    [Fact]
    public void A_thread_that_ended_takes_its_magazine_and_the_spans_in_it_with_it()
    {
        // Pool threads retire when idle: a magazine kept for every thread that ever gave spans
        // back held up to 64 spans each for the life of the node.
        var recycler = new SpanRecycler(16_384);
        var spans = OnThread(() => Enumerable.Range(1, 10).Select(i => Take(recycler, (ulong)i)).ToList());
        OnThread(() => recycler.Return(spans)); // fewer than a magazine: they stay in that thread's
        spans.Clear();

        for (var i = 0; i < 5 && recycler.Count > 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.Equal(0, recycler.Count);
    }

    [Fact]
    public void It_holds_at_most_its_capacity_over_the_depot_and_a_magazine()
    {
        var recycler = new SpanRecycler(256); // four magazines: three in the depot, one in hand
        var spans = Enumerable.Range(1, 1_000).Select(i => Take(recycler, (ulong)i)).ToList();

        recycler.Return(spans);

        Assert.Equal(256, recycler.Count);
        Assert.All(spans, s => Assert.False(s.IsRecyclable));
    }

    [Fact]
    public void Two_threads_giving_back_the_same_spans_at_once_keep_each_once()
    {
        var recycler = new SpanRecycler(16_384);
        for (var round = 0; round < 20; round++)
        {
            var spans = Enumerable.Range(1, 500).Select(i => Take(recycler, (ulong)i)).ToArray();
            using var start = new Barrier(2);
            var a = new Thread(() => { start.SignalAndWait(); recycler.Return(spans); });
            var b = new Thread(() => { start.SignalAndWait(); recycler.Return(spans.ToArray()); });
            a.Start();
            b.Start();
            a.Join();
            b.Join();

            var taken = OnThread(() => Enumerable.Range(1, 1_000).Select(i => recycler.Take()).ToList());
            Assert.Equal(taken.Count, taken.Distinct(ReferenceEqualityComparer.Instance).Count());
            recycler.Return(taken);
        }
    }

    private static T OnThread<T>(Func<T> work)
    {
        T result = default!;
        var thread = new Thread(() => result = work());
        thread.Start();
        thread.Join();
        return result;
    }

    private static void OnThread(Action work) => OnThread(() =>
    {
        work();
        return 0;
    });
}
