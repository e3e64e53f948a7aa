using ActorTracing.Node.Hosting;

namespace ActorTracing.Cli.Commands;

/// <summary>`actortracing node [--config FILE] [--rules FILE]`: run one node until Ctrl-C / SIGTERM.</summary>
public static class NodeCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var options = new NodeOptions { ConfigFile = args.String("config"), RulesFile = args.String("rules") };
        args.RejectUnknown();

        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        var node = await NodeHost.StartAsync(options).ConfigureAwait(false);
        await using (node.ConfigureAwait(false))
        {
            await Console.Error.WriteLineAsync($"actortracing node '{node.Settings.Region}' up: OTLP on {string.Join(", ", node.Addresses)}; Ctrl-C to stop").ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await Console.Error.WriteLineAsync("stopping: deciding in-flight traces and flushing storage...").ConfigureAwait(false);
        }
        return 0;
    }
}
