using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>
/// Runs every scenario of the benchmark in order — physical limits, memory per buffered span, max
/// sustained throughput, ack latency vs load, sampling outcome, decision and stitching latency,
/// storage size — against a node in this process driven by load generator processes, and returns
/// the report. Progress goes to <c>progress</c> as lines.
/// </summary>
public sealed partial class BenchRunner
{
    private readonly BenchOptions _options;
    private readonly ILoadGenerator _loadGenerator;
    private readonly Action<string> _progress;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _notes = [];
    private readonly string _runId = DateTime.UtcNow.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
    private long _seed;

    public BenchRunner(BenchOptions options, ILoadGenerator loadGenerator, Action<string> progress)
    {
        _options = options;
        _loadGenerator = loadGenerator;
        _progress = progress;
        _seed = options.Seed;
    }

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        Directory.CreateDirectory(_options.OutputDirectory);
        await using var sampler = new NodeSampler(_clock);

        Say("physical limits: decode-only, row encode, raw chDB insert, Akka tell...");
        var engine = ChdbEngine.Open(_options.DataDirectory);
        var payloads = PayloadSet.Generate(_options.Seed, 40_000);
        var limits = await LimitProbes.MeasureAsync(payloads, engine, $"bench_{_runId}_limits", _options.LimitBudget, cancellationToken).ConfigureAwait(false);
        Say(F($"  decode {limits.DecodeSpansPerSecond:N0} spans/s, encode {limits.EncodeRowsPerSecond:N0} rows/s, insert {limits.InsertRowsPerSecond:N0} rows/s, tell {limits.TellsPerSecond:N0} msgs/s"));

        // Memory first: its idle baseline is then this process before any other node ran.
        var memory = await MemoryAsync(sampler, cancellationToken).ConfigureAwait(false);

        var node = await BenchNode.StartAsync(_options.DataDirectory, $"bench_{_runId}", "iad", cancellationToken: cancellationToken).ConfigureAwait(false);
        ThroughputResult throughput;
        var latency = new List<LatencyPoint>();
        SamplingResult? sampling = null;
        DecisionResult? decision = null;
        StorageResult? storage = null;
        try
        {
            sampler.Track(node, "warm-up");
            Say(F($"node up ({node.HttpEndpoint}, {node.GrpcEndpoint}); warm-up run {_options.WarmUpRun.TotalSeconds:0}s at {_options.StartRate / 2:N0} spans/s"));
            await RunLoadAsync(node, sampler, "warm-up", _options.Protocol, _options.StartRate / 2, _options.WarmUpRun, TimeSpan.Zero, null, cancellationToken).ConfigureAwait(false);
            await node.WaitDrainedAsync(node.SendDelay + TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);

            throughput = await SearchAsync(node, sampler, cancellationToken).ConfigureAwait(false);
            var max = throughput.MaxSustainedSpansPerSecond;
            if (max <= 0)
            {
                max = _options.StartRate / 2;
                _notes.Add(F($"The node fell behind even at the first step; latency runs use {max:N0} spans/s as 100%."));
            }

            (latency, sampling, var gaugeDecision) = await LatencyAndSamplingAsync(node, sampler, max, cancellationToken).ConfigureAwait(false);
            decision = await ProbeAsync(node, sampler, gaugeDecision, cancellationToken).ConfigureAwait(false);
            storage = await StorageAsync(node, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            sampler.SetPhase("stopping node");
            Say("stopping the node (hand-off decides what is buffered, storage flushes)...");
            await node.StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            sampler.Track(null, "idle");
        }

        var report = new BenchReport
        {
            Mode = _options.Mode,
            StartedUtc = started,
            ElapsedSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 1),
            Cores = Environment.ProcessorCount,
            Machine = RuntimeInformation.OSDescription + " " + RuntimeInformation.OSArchitecture,
            Runtime = RuntimeInformation.FrameworkDescription + (System.Runtime.GCSettings.IsServerGC ? ", server GC" : ", workstation GC"),
            Limits = limits,
            Throughput = throughput,
            Latency = latency,
            Memory = memory,
            Decision = decision,
            Sampling = sampling,
            Storage = storage,
            Timeline = Timeline(sampler.Samples),
            Samples = sampler.Samples,
            Notes = _notes,
        };
        return report with { Targets = Targets.Evaluate(report) };
    }

    private long NextSeed() => Interlocked.Increment(ref _seed);

    private void Say(string line) => _progress($"[{_clock.Elapsed:mm\\:ss}] {line}");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Per-second node rates from the samples; a node restart (counters going back) starts a new series.</summary>
    internal static IReadOnlyList<TimelinePoint> Timeline(IReadOnlyList<NodeSample> samples)
    {
        var points = new List<TimelinePoint>();
        NodeSample? prev = null;
        foreach (var s in samples.OrderBy(s => s.Seconds))
        {
            if (prev is null || s.ReceivedSpans < prev.ReceivedSpans)
            {
                prev = s;
                continue;
            }
            var dt = s.Seconds - prev.Seconds;
            if (dt < 0.99)
            {
                continue;
            }
            points.Add(new TimelinePoint(
                Math.Round(s.Seconds, 1),
                s.Phase,
                Math.Round((s.ReceivedSpans - prev.ReceivedSpans) / dt),
                Math.Round((s.DecidedSpans - prev.DecidedSpans) / dt),
                Math.Round((s.RowsWritten - prev.RowsWritten) / dt),
                s.BufferedSpans,
                s.RssBytes,
                Math.Round((s.CpuSeconds - prev.CpuSeconds) / dt * 100, 1)));
            prev = s;
        }
        return points;
    }
}
