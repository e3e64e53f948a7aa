using ActorTracing.Bench;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// `actortracing bench-node --data DIR --database DB --region R [--hocon TEXT]`: the node `bench`
/// measures, in a process of its own (<see cref="BenchNodeHost"/>). `bench` starts it and reads it
/// over the control endpoint named in its ready line; it is not meant to be run by hand. It stops
/// when the bench asks (POST /stop), on SIGTERM / Ctrl-C, or when its stdin ends — the bench died.
/// </summary>
public static class BenchNodeCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var spec = new BenchNodeSpec(
            args.String("data") ?? throw new CliException("--data DIR is required"),
            args.String("database") ?? throw new CliException("--database NAME is required"),
            args.String("region") ?? "iad",
            args.String("hocon"));
        args.RejectUnknown();

        using var stop = new StopSignal();

        var host = await BenchNodeHost.StartAsync(spec, stop.Token).ConfigureAwait(false);
        await using (host.ConfigureAwait(false))
        {
            await Console.Out.WriteLineAsync(BenchNodeHost.ReadyPrefix + BenchJson.Serialize(host.Ready)).ConfigureAwait(false);
            await Console.Out.FlushAsync().ConfigureAwait(false);
            var parentGone = Task.Run(async () =>
            {
                // Reads until the parent closes the pipe (or dies); nothing is sent on it.
                while (await Console.In.ReadLineAsync().ConfigureAwait(false) is not null)
                {
                }
            });
            await Task.WhenAny(host.StopRequested, parentGone, Task.Delay(Timeout.Infinite, stop.Token)).ConfigureAwait(false);
        }
        return 0;
    }
}
