using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Tests.Sampling;

public sealed class MatchMemoSpec
{
    [Fact]
    public void A_repeated_string_is_evaluated_once_and_answers_the_same()
    {
        var memo = new MatchMemo();
        var calls = 0;
        bool Evaluate(int _, string text)
        {
            calls++;
            return text.EndsWith(".js", StringComparison.Ordinal);
        }

        for (var i = 0; i < 100; i++)
        {
            Assert.True(memo.Matches("/static/app.js", 0, Evaluate));
            Assert.False(memo.Matches("/api/users", 0, Evaluate));
        }

        Assert.Equal(2, calls);
    }

    [Fact]
    public void Beyond_its_capacity_it_still_answers_correctly_without_remembering()
    {
        var memo = new MatchMemo();
        var calls = 0;
        bool Evaluate(int _, string text)
        {
            calls++;
            return text.Length % 2 == 0;
        }

        for (var i = 0; i < MatchMemo.Capacity + 1_000; i++)
        {
            var text = "/users/" + i;
            Assert.Equal(text.Length % 2 == 0, memo.Matches(text, 0, Evaluate));
        }
        calls = 0;
        // The first ones are remembered; the overflow is evaluated again.
        Assert.Equal("/users/0".Length % 2 == 0, memo.Matches("/users/0", 0, Evaluate));
        Assert.Equal(0, calls);
        var late = "/users/" + (MatchMemo.Capacity + 500);
        Assert.Equal(late.Length % 2 == 0, memo.Matches(late, 0, Evaluate));
        Assert.Equal(1, calls);
    }
}
