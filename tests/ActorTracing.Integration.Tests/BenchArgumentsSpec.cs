using ActorTracing.Cli.Commands;

namespace ActorTracing.Integration.Tests;

/// <summary>`bench` refuses bad switches before it starts anything (no node, no generator).</summary>
public sealed class BenchArgumentsSpec
{
    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("fast")]
    public async Task Latency_max_must_be_a_positive_rate(string value)
    {
        var e = await Assert.ThrowsAsync<CliException>(() => BenchCommand.RunAsync(new CliArgs(["--quick", "--latency-max", value])));
        Assert.Equal($"--latency-max: '{value}' is not a positive number", e.Message);
    }

    [Fact]
    public async Task An_unknown_protocol_is_refused_by_name()
    {
        var e = await Assert.ThrowsAsync<CliException>(() => BenchCommand.RunAsync(new CliArgs(["--protocol", "udp"])));
        Assert.Equal("--protocol: expected http or grpc, got 'udp'", e.Message);
    }
}
