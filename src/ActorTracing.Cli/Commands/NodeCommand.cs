using ActorTracing.Node.Hosting;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// `actortracing node [--config FILE] [--rules FILE] [--cluster cluster.yml --node iad-1]`: run one
/// node until Ctrl-C / SIGTERM. With --cluster the node takes its identity, ports, roles, seeds and
/// services from the deployment file (how `up` and a real deployment start each node).
/// </summary>
public static class NodeCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var options = new NodeOptions
        {
            ConfigFile = args.String("config"),
            RulesFile = args.String("rules"),
            ClusterFile = args.String("cluster"),
            NodeName = args.String("node"),
            DataRoot = args.String("data") ?? ".data/cluster",
        };
        args.RejectUnknown();
        if ((options.ClusterFile is null) != (options.NodeName is null))
        {
            throw new CliException("--cluster and --node go together: --cluster cluster.yml --node iad-1");
        }

        using var stop = new StopSignal();

        var node = await NodeHost.StartAsync(options).ConfigureAwait(false);
        await using (node.ConfigureAwait(false))
        {
            await Console.Error.WriteLineAsync($"actortracing node {options.NodeName ?? node.Settings.Region} (region {node.Settings.Region}, roles {string.Join(",", node.Settings.Roles)}) up: {string.Join(", ", node.Addresses)}; {RuntimeDescription.Describe()}; Ctrl-C to stop").ConfigureAwait(false);
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
