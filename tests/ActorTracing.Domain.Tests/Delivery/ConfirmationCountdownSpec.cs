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
}
