using ActorTracing.Domain.Delivery;

namespace ActorTracing.Domain.Tests.Delivery;

public sealed class ConfirmationCountdownSpec
{
    [Fact]
    public void Completes_once_every_counted_message_is_confirmed_and_not_before_the_submit_is_sealed()
    {
        var countdown = new ConfirmationCountdown();
        countdown.Expect();
        countdown.Confirmed();
        // The first message's confirmation came before the second was counted: still waiting.
        Assert.False(countdown.Task.IsCompleted);
        countdown.Expect();
        countdown.Seal();
        Assert.False(countdown.Task.IsCompleted);
        countdown.Confirmed();
        Assert.True(countdown.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_submit_of_local_messages_only_confirmed_before_sealing_completes_at_the_seal()
    {
        var countdown = new ConfirmationCountdown();
        countdown.Seal();
        Assert.True(countdown.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public void Abandoned_it_is_canceled_and_later_confirmations_do_not_complete_it()
    {
        var countdown = new ConfirmationCountdown();
        countdown.Expect();
        countdown.Abandon();
        countdown.Seal();
        countdown.Confirmed();
        Assert.True(countdown.Task.IsCanceled);
    }

    [Fact]
    public void More_confirmations_than_messages_is_a_bug_and_says_so()
    {
        var countdown = new ConfirmationCountdown();
        countdown.Seal();
        Assert.Throws<InvalidOperationException>(countdown.Confirmed);
        Assert.Throws<InvalidOperationException>(countdown.Expect);
    }

    [Fact]
    public void A_subclass_hears_the_outcome_once_and_a_task_asked_for_before_or_after_the_end_agrees()
    {
        var confirmed = new Recording();
        var early = confirmed.Task;
        confirmed.Expect();
        confirmed.Seal();
        confirmed.Confirmed();
        confirmed.Abandon(); // after the end: nothing more
        Assert.Equal((1, 0), (confirmed.ConfirmedCalls, confirmed.AbandonedCalls));
        Assert.True(early.IsCompletedSuccessfully);
        Assert.True(confirmed.Task.IsCompletedSuccessfully);

        var abandoned = new Recording();
        abandoned.Expect();
        abandoned.Abandon();
        abandoned.Seal();
        abandoned.Confirmed();
        Assert.Equal((0, 1), (abandoned.ConfirmedCalls, abandoned.AbandonedCalls));
        Assert.True(abandoned.Task.IsCanceled);
    }

    [Fact]
    public async Task Confirmations_racing_a_first_look_at_the_task_always_complete_it()
    {
        for (var i = 0; i < 2_000; i++)
        {
            var countdown = new ConfirmationCountdown();
            countdown.Expect();
            countdown.Seal();
            Task? seen = null;
            var looking = Task.Run(() => seen = countdown.Task);
            countdown.Confirmed();
            await looking;
            await seen!.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public void A_pooled_countdown_is_reset_only_once_it_ended_confirmed_and_no_task_was_asked_for_and_then_counts_a_new_use()
    {
        var pooled = new Pooled();
        pooled.Expect();
        Assert.False(pooled.Reset()); // still counting
        pooled.Seal();
        pooled.Confirmed(0);
        Assert.Equal([true], pooled.Ended);
        Assert.True(pooled.Reset());
        Assert.Equal(1, pooled.Cycle);
        pooled.Expect();
        pooled.Seal();
        Assert.False(pooled.Confirmed(0)); // meant for the first use
        Assert.Equal([true], pooled.Ended);
        Assert.True(pooled.Confirmed(1));
        Assert.Equal([true, true], pooled.Ended);

        var abandoned = new Pooled();
        abandoned.Expect();
        abandoned.Seal();
        abandoned.Abandon(0);
        Assert.Equal([false], abandoned.Ended);
        Assert.False(abandoned.Reset());

        var watched = new Pooled();
        _ = watched.Task;
        watched.Seal();
        Assert.False(watched.Reset());
    }

    private sealed class Pooled : ConfirmationCountdown
    {
        public List<bool> Ended { get; } = [];

        public bool Reset() => TryReset();

        protected override void OnEnded(bool confirmed) => Ended.Add(confirmed);
    }

    private sealed class Recording : ConfirmationCountdown
    {
        public int ConfirmedCalls { get; private set; }

        public int AbandonedCalls { get; private set; }

        protected override void OnConfirmed() => ConfirmedCalls++;

        protected override void OnAbandoned() => AbandonedCalls++;
    }
}
