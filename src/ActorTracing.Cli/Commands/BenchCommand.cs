using ActorTracing.Bench;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// `actortracing bench [--quick] [--out DIR]`: runs the benchmark scenarios against a node in this
/// process, with the load generator as child processes of this same CLI (`loadgen`), and writes
/// report.json, report.md and SVG charts to DIR.
/// </summary>
public static class BenchCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var quick = args.Flag("quick");
        var output = args.String("out") ?? Path.Combine(".data", quick ? "bench-quick" : "bench");
        var protocol = args.String("protocol") ?? "http";
        var data = args.String("data") ?? Path.Combine(".data", "bench");
        var second = args.String("second-endpoint");
        args.RejectUnknown();
        if (protocol is not ("http" or "grpc"))
        {
            throw new CliException($"--protocol: expected http or grpc, got '{protocol}'");
        }
        var options = (quick ? BenchOptions.Quick : BenchOptions.Full) with
        {
            OutputDirectory = output,
            DataDirectory = data,
            Protocol = protocol,
            SecondIngestEndpoint = second is null ? null
                : Uri.TryCreate(second, UriKind.Absolute, out var uri) ? uri : throw new CliException($"--second-endpoint: '{second}' is not an absolute URL"),
        };

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        var generator = ProcessLoadGenerator.ForCurrentProcess(typeof(BenchCommand).Assembly.Location);
        Console.Error.WriteLine($"actortracing bench ({options.Mode}): report to {Path.GetFullPath(output)}; load generator: {generator.Describe(new LoadGenRequest { Endpoint = new Uri("http://node/") })}");
        var report = await new BenchRunner(options, generator, line => Console.Error.WriteLine(line)).RunAsync(stop.Token).ConfigureAwait(false);
        var files = ReportWriter.Write(report, output);
        Console.Error.WriteLine($"wrote {string.Join(", ", files.Select(Path.GetFileName))} to {Path.GetFullPath(output)}");
        foreach (var t in report.Targets)
        {
            var met = t.Met switch { true => "met", false => "NOT MET", null => "not measured" };
            Console.Out.WriteLine($"{t.Name,-30} {met,-13} {t.Measured} (target {t.Target})");
        }
        return 0;
    }
}
