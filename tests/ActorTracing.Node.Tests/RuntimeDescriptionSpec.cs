using ActorTracing.Node.Hosting;

namespace ActorTracing.Node.Tests;

/// <summary>The thread-pool spin limit a node reports is the one the runtime applies.</summary>
public sealed class RuntimeDescriptionSpec
{
    [Theory]
    // The runtime reads DOTNET_ThreadPool_UnfairSemaphoreSpinLimit as hexadecimal, before the runtimeconfig.
    [InlineData("46", "0", 70)]
    [InlineData("0x10", "0", 16)]
    [InlineData("0", null, 0)]
    // Unparsable text is ignored (the runtime falls back the same way).
    [InlineData("seventy", "0", 0)]
    [InlineData(null, "0", 0)]
    [InlineData(null, null, null)]
    public void The_environment_variable_wins_over_the_runtimeconfig_and_reads_as_hex(string? variable, string? configured, int? expected)
        => Assert.Equal(expected, RuntimeDescription.SpinLimit(variable, configured));
}
