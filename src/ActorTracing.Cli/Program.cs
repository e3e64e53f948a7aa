using ActorTracing.Cli.Commands;

namespace ActorTracing.Cli;

public static class Program
{
    private const string Usage = """
        usage: actortracing <command> [options]
          demo  [--duration 30s] [--rate SPANS_PER_S] [--json] [--protocol http|grpc] [--warmup 5s]
                single-node cluster on the embedded engine, driven by the built-in edge workload
          node  [--config FILE] [--rules FILE]
                run one node from HOCON (defaults: hocon/*.conf)
        """;

    public static async Task<int> Main(string[] argv)
    {
        if (argv.Length == 0 || argv[0] is "-h" or "--help" or "help")
        {
            Console.Error.WriteLine(Usage);
            return argv.Length == 0 ? 2 : 0;
        }
        try
        {
            var args = new CliArgs(argv.Skip(1));
            return argv[0] switch
            {
                "node" => await NodeCommand.RunAsync(args).ConfigureAwait(false),
                "demo" => await DemoCommand.RunAsync(args).ConfigureAwait(false),
                _ => throw new CliException($"unknown command '{argv[0]}'\n{Usage}"),
            };
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"actortracing: {e.Message}");
            return 2;
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            Console.Error.WriteLine($"actortracing: configuration error: {e.Message}");
            return 3;
        }
    }
}
