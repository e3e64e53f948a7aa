using ActorTracing.Cli.Commands;

namespace ActorTracing.Cli;

public static partial class Program
{
    private const string Usage = """
        usage: actortracing <command> [options]
          demo  [--duration 30s] [--rate SPANS_PER_S] [--json] [--protocol http|grpc] [--warmup 5s]
                single-node cluster on the embedded engine, driven by the built-in edge workload
          node  [--config FILE] [--rules FILE] [--cluster cluster.yml --node NAME]
                run one node from HOCON (defaults: hocon/*.conf), or one node of a cluster file
          up    [cluster.yml] [--data DIR] [--only NODE,NODE] [--no-services]
                every node of a cluster file as local processes (logs per node, Ctrl-C stops)
          bench [--quick] [--out DIR] [--protocol http|grpc] [--latency-max SPANS_PER_S] [--cluster cluster.yml [--second-endpoint URL]]
                benchmark scenarios beside the physical limits of this machine; writes report.json,
                report.md and SVG charts. Against one node in a process of its own, or with --cluster against
                the file's nodes started as processes (as `up` does) and stopped at the end
          loadgen --endpoint URL [--routes REGION=URL,...] [--protocol http|grpc] [--rate N] [--duration D] [--json] [--truth FILE]
                the load generator as its own process (bench starts it; also --mode probe)
          bench-node --data DIR --database NAME [--region R] [--hocon TEXT]
                the node bench measures, in its own process (bench starts it)
          <host:port> [<palette> <command> [args] [--json] [--token T] [--yes]]
                operator commands against a node's admin endpoint (no command: interactive prompt);
                `actortracing 127.0.0.1:9110 help` lists them
        """;

    public static async Task<int> Main(string[] argv)
    {
        var code = await RunAsync(argv).ConfigureAwait(false);
        if (ActorTracing.Storage.ChdbEngine.IsOpen)
        {
            // chDB's static destructors crash once MergeTree tables exist (see ChdbEngine). By now
            // the node has stopped and every insert returned (committed), so leave without running
            // them: flush our output and end the process with the command's exit code.
            Console.Out.Flush();
            Console.Error.Flush();
            ExitNow(code);
        }
        return code;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);

    private static async Task<int> RunAsync(string[] argv)
    {
        if (argv.Length == 0 || argv[0] is "-h" or "--help" or "help")
        {
            Console.Error.WriteLine(Usage);
            return argv.Length == 0 ? 2 : 0;
        }
        // `actortracing <host:port> ...` talks to a running node's admin endpoint; no command word looks like host:port.
        if (Admin.AdminTarget.Looks(argv[0]))
        {
            return await Admin.AdminCli.RunAsync(argv, Admin.AdminConsole.FromSystem()).ConfigureAwait(false);
        }
        try
        {
            var args = new CliArgs(argv.Skip(1));
            return argv[0] switch
            {
                "node" => await NodeCommand.RunAsync(args).ConfigureAwait(false),
                "demo" => await DemoCommand.RunAsync(args).ConfigureAwait(false),
                "bench" => await BenchCommand.RunAsync(args).ConfigureAwait(false),
                "loadgen" => await LoadGenCommand.RunAsync(args).ConfigureAwait(false),
                ActorTracing.Bench.BenchNodeSpec.Command => await BenchNodeCommand.RunAsync(args).ConfigureAwait(false),
                "up" => await UpCommand.RunAsync(args, args.Positionals.FirstOrDefault()).ConfigureAwait(false),
                _ => throw new CliException($"unknown command '{argv[0]}'\n{Usage}"),
            };
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"actortracing: {e.Message}");
            return 2;
        }
        catch (ActorTracing.Node.Topology.TopologyException e)
        {
            Console.Error.WriteLine($"actortracing: {e.Message}");
            return 2;
        }
        catch (ActorTracing.Storage.StorageException e)
        {
            // e.g. another process holds the embedded engine's data directory.
            Console.Error.WriteLine($"actortracing: storage: {e.Message}");
            return 4;
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            Console.Error.WriteLine($"actortracing: configuration error: {e.Message}");
            return 3;
        }
    }
}
