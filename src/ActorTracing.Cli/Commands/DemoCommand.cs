using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorTracing.Ingest;
using ActorTracing.Node.Hosting;
using ActorTracing.Workload;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// `actortracing demo`: a one-node cluster on the embedded engine driven by the built-in edge
/// workload over real OTLP, a live progress line, and a summary counted from the node and from
/// storage itself (not from the generator's own bookkeeping).
/// </summary>
public static class DemoCommand
{
    private const double DefaultRate = 20_000;

    public static async Task<int> RunAsync(CliArgs args)
    {
        var duration = args.Duration("duration");
        var rate = args.Number("rate") ?? DefaultRate;
        var json = args.Flag("json");
        var protocolName = args.String("protocol") ?? "http";
        var dataDir = args.String("data") ?? Path.Combine(".data", "demo");
        var seed = (long)(args.Number("seed") ?? 42);
        var warmUp = args.Duration("warmup") ?? TimeSpan.Zero;
        args.RejectUnknown();
        var protocol = protocolName switch
        {
            "http" => OtlpProtocol.HttpProtobuf,
            "grpc" => OtlpProtocol.Grpc,
            _ => throw new CliException($"--protocol: expected http or grpc, got '{protocolName}'"),
        };

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        // A fresh database per run so the summary counts this run only; the data directory is kept
        // so the stored traces can be inspected afterwards.
        var database = "demo_" + DateTime.UtcNow.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        Status(json, $"starting a single-node cluster (embedded storage in {Path.GetFullPath(dataDir)}, database {database})...");
        var node = await NodeHost.StartAsync(new NodeOptions
        {
            Overrides = $$"""
                akka.loglevel = WARNING
                actortracing.node.port = 0
                actortracing.node.region = iad
                actortracing.ingest.grpc.endpoint = "127.0.0.1:0"
                actortracing.ingest.http.endpoint = "127.0.0.1:0"
                actortracing.query.endpoint = "127.0.0.1:0"
                actortracing.admin.port = 0
                actortracing.storage.data-directory = "{{dataDir.Replace("\\", "/", StringComparison.Ordinal)}}"
                actortracing.storage.database = {{database}}
                actortracing.ingest.wal.directory = "{{Path.Combine(dataDir, "ingest-wal").Replace("\\", "/", StringComparison.Ordinal)}}"
                """,
        }).ConfigureAwait(false);

        var endpoints = node.Services.GetRequiredService<OtlpReceiverEndpoints>();
        var endpoint = protocol == OtlpProtocol.Grpc ? endpoints.GrpcUri! : endpoints.HttpUri!;
        var ui = node.Addresses.FirstOrDefault(a => !a.Equals(endpoints.GrpcUri!.ToString().TrimEnd('/'), StringComparison.Ordinal) && !a.Equals(endpoints.HttpUri!.ToString().TrimEnd('/'), StringComparison.Ordinal));
        Status(json, $"node up: OTLP gRPC {endpoints.GrpcUri}, HTTP {endpoints.HttpUri}; web UI + Jaeger API {ui}; sending {rate:N0} spans/s over {protocolName}" +
            (duration is { } d ? $" for {d.TotalSeconds:0.#}s" : " until Ctrl-C"));

        var sw = Stopwatch.StartNew();
        WorkloadSummary workload;
        using (var generator = WorkloadGenerator.Create(
            new WorkloadOptions { TargetSpansPerSecond = rate, Duration = duration, Seed = seed, WarmUp = warmUp },
            protocol,
            new OtlpSenderOptions { Endpoint = endpoint }))
        {
            var run = generator.RunAsync(stop.Token);
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(1000, CancellationToken.None)).ConfigureAwait(false);
                Progress(json, sw.Elapsed, generator, node);
            }
            workload = await run.ConfigureAwait(false);
        }
        if (!json)
        {
            Console.Error.WriteLine();
        }

        Status(json, "workload done; deciding in-flight traces (hand-off) and flushing storage...");
        var writer = node.StorageHolder.Writer!;
        var store = node.Store;
        await node.DisposeAsync().ConfigureAwait(false);
        var stats = await store.GetStatsAsync(CancellationToken.None).ConfigureAwait(false);

        var g = node.Gauges;
        var summary = new Dictionary<string, object>
        {
            ["spans_sent"] = workload.SpansSent,
            ["spans_received"] = g.SpansReceived,
            ["traces_decided"] = g.TracesDecided,
            ["traces_kept"] = g.TracesKept,
            ["kept_by_reason"] = g.KeptByReason.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.Value),
            ["dropped_by_reason"] = g.DroppedByReason.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.Value),
            ["completed_by_reason"] = g.CompletedByReason.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.Value),
            ["late_spans"] = g.LateSpans,
            ["spans_stored"] = stats.Rows,
            ["storage_bytes"] = stats.BytesOnDisk,
            ["storage_write_retries"] = writer.WriteRetries,
            ["throttled_requests"] = workload.Throttled,
            ["ack_latency_p99_ms"] = Math.Round(workload.AckLatencyP99Micros / 1000.0, 3),
            ["ack_latency_warmup_s"] = warmUp.TotalSeconds,
            ["mean_decision_latency_ms"] = Math.Round(g.MeanDecisionLatency.TotalMilliseconds, 1),
            ["elapsed_s"] = Math.Round(sw.Elapsed.TotalSeconds, 1),
        };

        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(summary));
        }
        else
        {
            Console.Out.WriteLine("ActorTracing demo summary");
            foreach (var (key, value) in summary)
            {
                var text = value is Dictionary<string, long> map
                    ? string.Join(", ", map.Select(kv => $"{kv.Key}={kv.Value:N0}"))
                    : value is long l ? l.ToString("N0", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture);
                Console.Out.WriteLine($"  {key,-24} {text}");
            }
            var reduction = g.SpansReceived == 0 ? 0 : 100.0 * (1 - (double)stats.Rows / g.SpansReceived);
            Console.Out.WriteLine($"  {"stored_fraction",-24} {100 - reduction:0.0}% of received spans ({reduction:0.0}% fewer)");
        }
        return 0;
    }

    private static void Status(bool json, string message) => Console.Error.WriteLine(message);

    private static void Progress(bool json, TimeSpan elapsed, WorkloadGenerator generator, NodeHost node)
    {
        var g = node.Gauges;
        var line = $"[{elapsed:mm\\:ss}] sent {generator.Counters.SpansSent,10:N0} spans | received {g.SpansReceived,10:N0} | buffered {g.TracesBuffered,7:N0} traces | decided {g.TracesDecided,8:N0} kept {g.TracesKept,7:N0} | stored {node.StorageHolder.Writer?.RowsWritten ?? 0,9:N0} rows | throttled {generator.Counters.Throttled:N0}";
        // One line rewritten in place on a terminal; plain lines when piped (and always on stderr,
        // so --json output on stdout stays machine-readable).
        if (Console.IsErrorRedirected)
        {
            Console.Error.WriteLine(line);
        }
        else
        {
            Console.Error.Write("\r" + line);
        }
    }
}
