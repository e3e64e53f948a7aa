using System.Diagnostics;
using ActorTracing.Workload;

namespace ActorTracing.Bench;

/// <summary>
/// The body of `actortracing loadgen`: runs in its own process so the generator's CPU, GC and
/// thread pool never share a runtime with the node under test. Load mode drives the demo's edge
/// traffic model open-loop; probe mode sends stitching probes (<see cref="ProbeSender"/>).
/// </summary>
public static class LoadGenRunner
{
    public static Task<LoadGenResult> RunAsync(LoadGenRequest request, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Mode == LoadGenMode.Probe
            ? ProbeSender.RunAsync(request, cancellationToken)
            : RunLoadAsync(request, progress, cancellationToken);
    }

    public static OtlpProtocol ParseProtocol(string protocol) => protocol switch
    {
        "http" => OtlpProtocol.HttpProtobuf,
        "grpc" => OtlpProtocol.Grpc,
        _ => throw new ArgumentException($"protocol: expected http or grpc, got '{protocol}'", nameof(protocol)),
    };

    /// <summary>One sender for the endpoint, or one that routes each request to a node of its region.</summary>
    private static IOtlpSender CreateSender(OtlpProtocol protocol, LoadGenRequest request, TimeSpan giveUpAfter)
    {
        IOtlpSender Create(Uri endpoint)
        {
            // A request still refused after the run's drain window is failed (and counted), not
            // retried for the default five minutes: a node that throttles everything must end a
            // 4 s step as a failed one, not park the whole bench (seen once, 13 min).
            var options = new OtlpSenderOptions { Endpoint = endpoint, GiveUpAfter = giveUpAfter };
            return protocol == OtlpProtocol.Grpc ? new OtlpGrpcSender(options) : new OtlpHttpSender(options);
        }
        return request.Routes.Count == 0 ? Create(request.Endpoint) : new RoutingOtlpSender(Create, request.Endpoint, request.Routes);
    }

    private static async Task<LoadGenResult> RunLoadAsync(LoadGenRequest request, Action<string>? progress, CancellationToken cancellationToken)
    {
        var protocol = ParseProtocol(request.Protocol);
        // The callback runs on the producer thread for every trace; the file is written once the run is over.
        var truths = request.TruthFile is null ? null : new GroundTruthBuffer();
        var before = ProcReader.Read(Environment.ProcessId);
        // The generator's own GC pauses delay its sends and its reading of acks, and an open-loop
        // latency (from the intended send time) counts that delay against the node: reported
        // beside the ack latency so the two can be told apart.
        var pauseClock = Stopwatch.StartNew();
        using var pauses = new GcPauseRecorder(pauseClock);
        var options = new WorkloadOptions
        {
            TargetSpansPerSecond = request.SpansPerSecond,
            Duration = request.Duration,
            Seed = request.Seed,
            WarmUp = request.WarmUp,
            Concurrency = request.Concurrency,
            // An overloaded node leaves requests queued at the end; draining them for the default
            // 10 s would stretch a 4 s step to 14 s. What is not sent by then counts as unsent.
            DrainTimeout = TimeSpan.FromTicks(Math.Clamp(request.Duration.Ticks, TimeSpan.TicksPerSecond * 2, TimeSpan.TicksPerSecond * 10)),
        };
        using var sender = CreateSender(protocol, request, options.DrainTimeout);
        using var generator = new WorkloadGenerator(options, sender, clock: null, truths is null ? null : truths.Add);
        var clock = Stopwatch.StartNew();
        var run = generator.RunAsync(cancellationToken);
        var seconds = new List<LoadSecond>();
        var last = new LoadSecond(0, 0, 0, 0, 0);
        while (!run.IsCompleted)
        {
            var untilNextSecond = TimeSpan.FromSeconds(seconds.Count + 1) - clock.Elapsed;
            if (untilNextSecond > TimeSpan.Zero)
            {
                await Task.WhenAny(run, Task.Delay(untilNextSecond, CancellationToken.None)).ConfigureAwait(false);
            }
            if (run.IsCompleted)
            {
                break;
            }
            var c = generator.Counters;
            var now = new LoadSecond(seconds.Count + 1, c.SpansGenerated, c.SpansSent, c.Throttled, c.FailedRequests);
            seconds.Add(new LoadSecond(now.Second, now.SpansGenerated - last.SpansGenerated, now.SpansSent - last.SpansSent, now.Throttled - last.Throttled, now.FailedRequests - last.FailedRequests));
            last = now;
            progress?.Invoke(c.FormatProgress(clock.Elapsed));
        }
        var summary = await run.ConfigureAwait(false);
        var after = ProcReader.Read(Environment.ProcessId);
        if (truths is not null)
        {
            GroundTruthFile.Write(request.TruthFile!, truths);
        }
        return new LoadGenResult
        {
            Mode = LoadGenMode.Load,
            Protocol = request.Protocol,
            Endpoint = request.Endpoint.ToString(),
            TargetSpansPerSecond = request.SpansPerSecond,
            DurationSeconds = request.Duration.TotalSeconds,
            ElapsedSeconds = Math.Round(summary.Elapsed.TotalSeconds, 3),
            Seed = request.Seed,
            SpansGenerated = summary.SpansGenerated,
            SpansSent = summary.SpansSent,
            SpansFailed = summary.SpansFailed,
            SpansUnsent = summary.SpansUnsent,
            SpansRejected = summary.SpansRejected,
            Requests = summary.Requests,
            FailedRequests = summary.FailedRequests,
            Throttled = summary.Throttled,
            Retries = summary.Retries,
            Traces = summary.Traces,
            ErrorTraces = summary.ErrorTraces,
            SlowTraces = summary.SlowTraces,
            CrossRegionTraces = summary.CrossRegionTraces,
            AchievedSpansPerSecond = Math.Round(summary.AchievedSpansPerSecond, 1),
            AckLatency = LatencySummary.From(generator.Counters.AckLatency),
            PerSecond = seconds,
            CpuSeconds = Math.Round(after.CpuSeconds - before.CpuSeconds, 2),
            PeakRssBytes = after.PeakRssBytes,
            GcPauses = GcPauseSummary.Of(pauses.Between(0, double.MaxValue)),
            SlowestAcks = SlowAcks(generator.Counters.SlowestAcks.Slowest(), pauses.Between(0, double.MaxValue)),
            LastError = generator.Counters.LastError,
            TruthFile = request.TruthFile is null ? null : Path.GetFullPath(request.TruthFile),
        };
    }

    private static SlowAck[] SlowAcks(IReadOnlyList<SlowRequest> slowest, IReadOnlyList<GcPause> pauses) =>
        [.. slowest.Select(r => new SlowAck(r.DueUnixNanos, r.LatencyMicros, GcPause.AnyWhileInFlight(pauses, r.DueUnixNanos, r.LatencyMicros)))];
}
