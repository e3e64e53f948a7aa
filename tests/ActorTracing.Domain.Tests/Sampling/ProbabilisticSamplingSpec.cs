using ActorTracing.Domain.Sampling;
using static ActorTracing.Domain.Tests.Sampling.TestTraces;

namespace ActorTracing.Domain.Tests.Sampling;

public sealed class ProbabilisticSamplingSpec
{
    [Theory]
    [InlineData(0.10, 0.005)]
    [InlineData(0.05, 0.004)]
    [InlineData(0.001, 0.0005)]
    public void About_p_of_random_trace_ids_are_kept(double probability, double tolerance)
    {
        var random = new Random(12345);
        const int count = 100_000;
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            if (ProbabilisticSampling.Keeps(RandomId(random), probability))
            {
                kept++;
            }
        }
        Assert.InRange((double)kept / count, probability - tolerance, probability + tolerance);
    }

    [Fact]
    public void Sequential_trace_ids_are_kept_at_about_p_too()
    {
        // Buggy SDKs emit counters as ids; the stable hash must still spread them.
        var kept = Enumerable.Range(1, 100_000).Count(i => ProbabilisticSampling.Keeps(new TraceId(0, (ulong)i), 0.1));
        Assert.InRange(kept / 100_000.0, 0.095, 0.105);
    }

    [Fact]
    public void Unsalted_decisions_are_nested_across_rates()
    {
        var random = new Random(3);
        for (var i = 0; i < 20_000; i++)
        {
            var id = RandomId(random);
            if (ProbabilisticSampling.Keeps(id, 0.001))
            {
                Assert.True(ProbabilisticSampling.Keeps(id, 0.1));
            }
        }
    }

    [Fact]
    public void Salted_decisions_are_independent_of_unsalted_ones()
    {
        var random = new Random(5);
        var salt = ProbabilisticSampling.Salt("api");
        int both = 0, unsalted = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var id = RandomId(random);
            var a = ProbabilisticSampling.Keeps(id, 0.1);
            var b = ProbabilisticSampling.Keeps(id, 0.1, salt);
            unsalted += a ? 1 : 0;
            both += a && b ? 1 : 0;
        }
        // Independent: P(a and b) = 0.01. Nested (salt ignored) would give 0.1.
        Assert.InRange(both / 100_000.0, 0.008, 0.012);
        Assert.InRange(unsalted / 100_000.0, 0.095, 0.105);
    }

    [Fact]
    public void Salts_are_stable_and_distinct()
    {
        Assert.Equal(ProbabilisticSampling.Salt("api"), ProbabilisticSampling.Salt(new string("api".ToCharArray())));
        Assert.NotEqual(ProbabilisticSampling.Salt("api"), ProbabilisticSampling.Salt("static"));
        Assert.Equal(0UL, ProbabilisticSampling.Salt(string.Empty));
        // Pinned: a change here makes nodes of a rolling upgrade disagree.
        // (FNV-1a 64 of the UTF-8 bytes, then the splitmix64 finalizer.)
        Assert.Equal(0xEF7E592E1942CA4FUL, ProbabilisticSampling.Salt("api"));
    }

    [Fact]
    public void Threshold_covers_the_edges()
    {
        Assert.Equal(0UL, ProbabilisticSampling.Threshold(0));
        Assert.Equal(0UL, ProbabilisticSampling.Threshold(-1));
        Assert.Equal(ulong.MaxValue, ProbabilisticSampling.Threshold(1));
        Assert.Equal(1UL << 63, ProbabilisticSampling.Threshold(0.5));
        Assert.True(ProbabilisticSampling.Keeps(new TraceId(ulong.MaxValue, ulong.MaxValue), 1));
    }

    [Theory]
    [InlineData(1.0, 1u)]
    [InlineData(0.1, 10u)]
    [InlineData(0.05, 20u)]
    [InlineData(0.001, 1000u)]
    [InlineData(0.3, 3u)]
    [InlineData(0.0, 0u)]
    public void Sample_rate_is_one_over_p_rounded(double probability, uint rate)
        => Assert.Equal(rate, ProbabilisticSampling.SampleRate(probability));
}
