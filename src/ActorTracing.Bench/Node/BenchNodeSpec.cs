namespace ActorTracing.Bench;

/// <summary>
/// The node a bench scenario needs, as `actortracing bench-node` arguments: where its embedded
/// engine keeps its files, the run's database, its region, and HOCON overrides of this node only
/// (the memory scenario's long send-delay).
/// </summary>
public sealed record BenchNodeSpec(string DataDirectory, string Database, string Region, string? ExtraHocon = null)
{
    public const string Command = "bench-node";

    public IReadOnlyList<string> ToArguments()
    {
        List<string> args = [Command, "--data", DataDirectory, "--database", Database, "--region", Region];
        if (!string.IsNullOrWhiteSpace(ExtraHocon))
        {
            args.AddRange(["--hocon", ExtraHocon]);
        }
        return args;
    }
}

/// <summary>
/// What a started `bench-node` tells its parent on stdout (one line after <see cref="BenchNodeHost.ReadyPrefix"/>).
/// </summary>
/// <param name="Control">The loopback endpoint the bench reads the node through.</param>
/// <param name="ClockSeconds">The child's bench clock when it wrote the line: GC pause times are on that clock.</param>
/// <param name="Runtime">The child's runtime settings (<see cref="ActorTracing.Node.Hosting.RuntimeDescription"/>): the report names the node's, not the bench's.</param>
public sealed record BenchNodeReady(Uri Control, Uri Http, Uri Grpc, double SendDelaySeconds, string Region, string Database, int Pid, double ClockSeconds, string Runtime);
