using ActorTracing.Domain.Delivery;

namespace ActorTracing.Domain.Tests.Delivery;

public sealed class UnconfirmedDeliveriesSpec
{
    private static readonly long Second = TimeSpan.TicksPerSecond;

    [Fact]
    public void A_confirmed_entry_is_forgotten_once_and_its_bytes_no_longer_count()
    {
        var unconfirmed = new UnconfirmedDeliveries<string>(maxBytes: 1_000);
        var a = unconfirmed.Add("a", 300, 0);
        var b = unconfirmed.Add("b", 200, 0);
        Assert.NotEqual(a, b);
        Assert.Equal(2, unconfirmed.Count);
        Assert.Equal(500, unconfirmed.Bytes);

        Assert.True(unconfirmed.TryConfirm(a, out var item));
        Assert.Equal("a", item);
        // A second confirmation (a copy sent again was confirmed too) finds nothing.
        Assert.False(unconfirmed.TryConfirm(a, out _));
        Assert.Equal(1, unconfirmed.Count);
        Assert.Equal(200, unconfirmed.Bytes);
    }

    [Fact]
    public void The_bound_is_on_bytes_held()
    {
        var unconfirmed = new UnconfirmedDeliveries<string>(maxBytes: 1_000);
        var id = unconfirmed.Add("a", 1_000, 0);
        Assert.False(unconfirmed.OverBound); // at the bound, not past it
        unconfirmed.Add("b", 1, 0);
        Assert.True(unconfirmed.OverBound);
        unconfirmed.TryConfirm(id, out _);
        Assert.False(unconfirmed.OverBound);
    }

    [Fact]
    public void Only_entries_old_enough_and_sendable_are_due_and_they_keep_their_ids()
    {
        var unconfirmed = new UnconfirmedDeliveries<string>(maxBytes: 1_000);
        var old = unconfirmed.Add("old", 10, 0);
        unconfirmed.Add("held", 10, 0);
        unconfirmed.Add("young", 10, 4 * Second);

        var due = unconfirmed.TakeDue(5 * Second, 5 * Second, item => item != "held");
        Assert.Equal([(old, "old")], due);
        Assert.Equal(1, unconfirmed.Redelivered);
        // Sent again at 5 s: not due again until 10 s, and a confirmation of the copy forgets it.
        Assert.Empty(unconfirmed.TakeDue(9 * Second, 5 * Second, item => item == "old"));
        Assert.Single(unconfirmed.TakeDue(10 * Second, 5 * Second, item => item == "old"));
        Assert.True(unconfirmed.TryConfirm(old, out _));
        Assert.Equal(2, unconfirmed.Count);
    }

    [Fact]
    public void Entries_unconfirmed_past_the_maximum_age_since_last_sent_are_given_up()
    {
        var unconfirmed = new UnconfirmedDeliveries<string>(maxBytes: 1_000);
        unconfirmed.Add("first", 10, 0);
        unconfirmed.Add("later", 20, 100 * Second);
        unconfirmed.Add("again", 30, 0);
        // Sent again (its owner left): the next owner gets the whole time from this send.
        unconfirmed.TakeDue(60 * Second, 5 * Second, item => item == "again");

        Assert.Equal(["first"], unconfirmed.TakeExpired(120 * Second, 120 * Second));
        Assert.Equal(1, unconfirmed.Expired);
        Assert.Equal(2, unconfirmed.Count);
        Assert.Equal(50, unconfirmed.Bytes);
        Assert.Equal(["again"], unconfirmed.TakeExpired(180 * Second, 120 * Second));
        Assert.Equal(["later"], unconfirmed.Clear());
        Assert.Equal(0, unconfirmed.Bytes);
    }
}
