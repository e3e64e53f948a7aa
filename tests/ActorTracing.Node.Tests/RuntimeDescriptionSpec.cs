using ActorTracing.Node.Hosting;

namespace ActorTracing.Node.Tests;

/// <summary>The thread-pool spin limit and the DATAS target a node reports are the ones the runtime applies.</summary>
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

    [Theory]
    [InlineData(5L, "5 %")]
    // The GC reports 0 when it was given no target, and then uses its own 2 %.
    [InlineData(0L, "default (2 %)")]
    [InlineData(null, "default (2 %)")]
    public void DATAS_target_is_reported_as_the_GC_read_it(object? configured, string expected)
        => Assert.Equal(expected, RuntimeDescription.DescribeDatasTarget(configured));

    [Theory]
    // The runtime reads DOTNET_TC_CallCountingDelayMs as hexadecimal.
    [InlineData("0", "0 ms")]
    [InlineData("64", "100 ms")]
    [InlineData("0x64", "100 ms")]
    [InlineData(null, "default (100 ms)")]
    [InlineData("soon", "default (100 ms)")]
    public void The_tiering_delay_is_reported_as_the_runtime_reads_it(string? variable, string expected)
        => Assert.Equal(expected, RuntimeDescription.DescribeTieringDelay(variable));

    [Fact]
    public void Every_launcher_sets_the_launcher_environment()
    {
        // The script and the image cannot read the C# list, so this keeps the three in step.
        var root = RepoRoot();
        var script = File.ReadAllText(Path.Combine(root, "actortracing"));
        var dockerfile = File.ReadAllText(Path.Combine(root, "docker", "Dockerfile"));
        Assert.NotEmpty(RuntimeDescription.LauncherEnvironment);
        foreach (var (name, value) in RuntimeDescription.LauncherEnvironment)
        {
            Assert.Contains($"export {name}=\"${{{name}:-{value}}}\"", script, StringComparison.Ordinal);
            Assert.Contains($"ENV {name}={value}", dockerfile, StringComparison.Ordinal);
        }
    }

    private static string RepoRoot() => Path.GetDirectoryName(HoconDefaultsSpec.FindHoconDirectory())!;
}
