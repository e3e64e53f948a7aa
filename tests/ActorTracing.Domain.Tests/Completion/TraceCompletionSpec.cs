using ActorTracing.Domain.Completion;
using static ActorTracing.Domain.Tests.Completion.TestSpans;

namespace ActorTracing.Domain.Tests.Completion;

public sealed class TraceCompletionSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly CompletionSettings Settings = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 5, 10_000);

    private static TraceBuffer Buffer(DateTimeOffset at, params BufferedSpan[] spans)
    {
        var b = new TraceBuffer(Trace);
        b.Add(spans, at);
        return b;
    }

    [Fact]
    public void A_trace_with_its_root_waits_send_delay_after_the_last_span()
    {
        var b = Buffer(T0, Span(1), Span(2, parent: 1));
        var check = TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(1), Settings);
        Assert.False(check.IsComplete);
        Assert.Equal(T0 + TimeSpan.FromSeconds(2), check.NextCheck);

        Assert.Equal(CompletionCheck.Complete(CompletionReasons.GotRoot), TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(2), Settings));
    }

    [Fact]
    public void A_new_span_restarts_the_quiet_period()
    {
        var b = Buffer(T0, Span(1));
        b.Add([Span(2, parent: 1)], T0 + TimeSpan.FromSeconds(1.5));
        var check = TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(2), Settings);
        Assert.False(check.IsComplete);
        Assert.Equal(T0 + TimeSpan.FromSeconds(3.5), check.NextCheck);
    }

    [Fact]
    public void A_trace_without_root_waits_for_the_timeout_and_says_so()
    {
        var b = Buffer(T0, Span(2, parent: 1));
        Assert.Equal(T0 + TimeSpan.FromSeconds(30), TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(5), Settings).NextCheck);
        Assert.Equal(CompletionReasons.ExpiredNoRoot, TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(30), Settings).Reason);
    }

    [Fact]
    public void A_span_whose_parent_is_missing_keeps_the_trace_open_until_the_timeout()
    {
        // Span 3's parent (span 9) is in another region's fragment that has not arrived yet.
        var b = Buffer(T0, Span(1), Span(3, parent: 9));
        var atQuiet = TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(2), Settings);
        Assert.False(atQuiet.IsComplete);
        Assert.Equal(T0 + TimeSpan.FromSeconds(30), atQuiet.NextCheck);
        Assert.Equal(CompletionReasons.ExpiredMissingParent, TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(30), Settings).Reason);
    }

    [Fact]
    public void The_missing_fragment_arriving_completes_the_trace_after_send_delay()
    {
        var b = Buffer(T0, Span(1), Span(3, parent: 9));
        b.Add([Span(9, parent: 1)], T0 + TimeSpan.FromSeconds(4));
        Assert.Equal(CompletionReasons.GotRoot, TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(6), Settings).Reason);
    }

    [Fact]
    public void Spans_that_never_stop_arriving_end_at_the_timeout()
    {
        var b = Buffer(T0, Span(1));
        b.Add([Span(2, parent: 1)], T0 + TimeSpan.FromSeconds(29.5));
        Assert.Equal(CompletionReasons.ExpiredActive, TraceCompletion.Evaluate(b, T0 + TimeSpan.FromSeconds(30), Settings).Reason);
    }

    [Fact]
    public void Span_and_byte_limits_decide_at_once()
    {
        Assert.Equal(CompletionReasons.SpanLimit, TraceCompletion.Evaluate(Buffer(T0, Span(1), Span(2), Span(3), Span(4), Span(5)), T0, Settings).Reason);
        Assert.Equal(CompletionReasons.ByteLimit, TraceCompletion.Evaluate(Buffer(T0, Span(2, size: 10_000)), T0, Settings).Reason);
    }
}
