namespace ActorTracing.Bench.Tests;

/// <summary>The children's runtime settings (the generator's GC, every child's launcher environment): set unless the bench's own environment sets them.</summary>
public sealed class ProcessLoadGeneratorSpec
{
    private static readonly ProcessLoadGenerator Generator = new(new SelfCommand("dotnet", ["actortracing.dll"]));

    private static readonly LoadGenRequest Request = new() { Endpoint = new Uri("http://127.0.0.1:4318"), SpansPerSecond = 1_000, Duration = TimeSpan.FromSeconds(1) };

    [Fact]
    public void The_generator_runs_without_DATAS_and_with_a_gen0_budget_that_lasts_a_run()
    {
        var info = Generator.StartInfo(Request, _ => null);

        Assert.Equal("0", info.Environment["DOTNET_GCDynamicAdaptationMode"]);
        Assert.Equal(0x20000000, Convert.ToInt64(info.Environment["DOTNET_GCgen0size"], 16));
        Assert.Equal(["actortracing.dll", "loadgen"], info.ArgumentList.Take(2));
    }

    [Fact]
    public void A_setting_the_bench_was_started_with_is_passed_on_as_it_is()
    {
        var info = Generator.StartInfo(Request, name => name == "DOTNET_GCgen0size" ? "4000000" : null);

        Assert.Equal("4000000", info.Environment["DOTNET_GCgen0size"]);
        Assert.Equal("0", info.Environment["DOTNET_GCDynamicAdaptationMode"]);
    }

    [Fact]
    public void Every_child_gets_the_launcher_environment_unless_this_process_has_its_own()
    {
        var command = new SelfCommand("dotnet", ["actortracing.dll"]);

        Assert.Equal("0", command.StartInfo(["bench-node"], _ => null).Environment["DOTNET_TC_CallCountingDelayMs"]);
        Assert.Equal("64", command.StartInfo(["bench-node"], name => name == "DOTNET_TC_CallCountingDelayMs" ? "64" : null).Environment["DOTNET_TC_CallCountingDelayMs"]);
        // The generator's start goes through the same command.
        Assert.Equal("0", Generator.StartInfo(Request, _ => null).Environment["DOTNET_TC_CallCountingDelayMs"]);
    }
}
