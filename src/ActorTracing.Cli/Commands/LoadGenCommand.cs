using ActorTracing.Bench;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// `actortracing loadgen`: the load generator as its own process (the bench starts it; it is also
/// usable against any OTLP endpoint). Load mode drives the demo's edge traffic model open-loop and
/// prints a JSON summary with ack-latency percentiles (from intended send times) and per-second
/// throughput; probe mode sends stitching probes split over one or two endpoints.
/// </summary>
public static class LoadGenCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var mode = args.String("mode") ?? "load";
        var endpoint = args.String("endpoint") ?? throw new CliException("--endpoint URL is required (e.g. http://127.0.0.1:4318)");
        var endpoint2 = args.String("endpoint2");
        var protocol = args.String("protocol") ?? "http";
        var json = args.Flag("json");
        var request = new LoadGenRequest
        {
            Mode = mode switch
            {
                "load" => LoadGenMode.Load,
                "probe" => LoadGenMode.Probe,
                _ => throw new CliException($"--mode: expected load or probe, got '{mode}'"),
            },
            Protocol = protocol is "http" or "grpc" ? protocol : throw new CliException($"--protocol: expected http or grpc, got '{protocol}'"),
            Endpoint = ParseUri("endpoint", endpoint),
            SecondEndpoint = endpoint2 is null ? null : ParseUri("endpoint2", endpoint2),
            SpansPerSecond = args.Number("rate") ?? 10_000,
            Duration = args.Duration("duration") ?? TimeSpan.FromSeconds(10),
            WarmUp = args.Duration("warmup") ?? TimeSpan.Zero,
            Seed = (long)(args.Number("seed") ?? 42),
            Concurrency = (int)(args.Number("concurrency") ?? 4),
            TruthFile = args.String("truth"),
            Routes = ParseRoutes(args.String("routes")),
            ProbeTraces = (int)(args.Number("traces") ?? 20),
            ProbeInterval = args.Duration("interval") ?? TimeSpan.FromMilliseconds(100),
            ProbeDelay = args.Duration("delay") ?? TimeSpan.Zero,
            ProbeSkew = args.Duration("skew") ?? TimeSpan.Zero,
            ProbeRegion = args.String("region") ?? "iad",
            ProbeSecondRegion = args.String("region2") ?? "fra",
        };
        args.RejectUnknown();

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        // Progress on stderr, so stdout carries only the summary the bench parses.
        var result = await LoadGenRunner.RunAsync(request, line => Console.Error.WriteLine(line), stop.Token).ConfigureAwait(false);
        Console.Out.WriteLine(json ? BenchJson.Serialize(result) : BenchJson.Serialize(result, indented: true));
        return result.FailedRequests > 0 ? 1 : 0;
    }

    private static IReadOnlyList<LoadRoute> ParseRoutes(string? value)
    {
        try
        {
            return value is null ? [] : LoadRoute.ParseList(value);
        }
        catch (FormatException e)
        {
            throw new CliException($"--routes: {e.Message}");
        }
    }

    private static Uri ParseUri(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : throw new CliException($"--{name}: '{value}' is not an absolute URL");
}
