using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ActorTracing.Node.Hosting;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>
/// Runs every scenario of the benchmark in order — physical limits, memory per buffered span, max
/// sustained throughput, ack latency vs load, sampling outcome, decision and stitching latency,
/// storage size — driven by load generator processes, and returns the report. The target is a
/// node this runner starts as a process of its own (<see cref="ProcessBenchNode"/>, as a
/// deployment runs it: the bench's own work never shares the node's heap or GC), or one it is
/// given (a cluster file's nodes as processes, <see cref="ClusterTarget"/>), whose lifetime stays
/// with the caller. Scenarios that cannot apply to the target are reported as skipped with the
/// reason. Progress goes to <c>progress</c> as lines.
/// </summary>
public sealed partial class BenchRunner
{
    private readonly BenchOptions _options;
    private readonly ILoadGenerator _loadGenerator;
    private readonly Action<string> _progress;
    private readonly IBenchTarget? _givenTarget;
    private readonly SelfCommand? _nodeCommand;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ProcessBenchNode? _ownNode;
    private readonly List<string> _notes = [];
    private readonly List<SkippedScenario> _skipped = [];
    private readonly string _runId = DateTime.UtcNow.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
    private long _seed;

    /// <param name="target">What to measure; null starts one embedded node as a child process (and stops it at the end).</param>
    /// <param name="nodeCommand">How to start that child (`actortracing bench-node`); required when <paramref name="target"/> is null.</param>
    public BenchRunner(BenchOptions options, ILoadGenerator loadGenerator, Action<string> progress, IBenchTarget? target = null, SelfCommand? nodeCommand = null)
    {
        _options = options;
        _loadGenerator = loadGenerator;
        _progress = progress;
        _givenTarget = target;
        _nodeCommand = nodeCommand;
        _seed = options.Seed;
    }

    private bool IsCluster => _givenTarget is ClusterTarget;

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        Directory.CreateDirectory(_options.OutputDirectory);
        await using var sampler = new NodeSampler(_clock);

        var limits = await LimitsAsync(cancellationToken).ConfigureAwait(false);

        MemoryResult? memory = null;
        if (_givenTarget is null)
        {
            memory = await MemoryAsync(sampler, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _skipped.Add(new SkippedScenario(
                SkippedScenario.Memory,
                "needs a node that holds every trace open (send-delay 10m) and a forced full GC inside the node's process to weigh its heap; " +
                "the cluster's nodes run the cluster file's settings and expose their heap only without a collection (dotnet_total_memory_bytes, kept in the samples). " +
                "Run `bench` without --cluster for this figure."));
            Say("3. memory per buffered span: not applicable to this target (it needs a bench-node that holds traces open; the report says why)");
        }

        IBenchTarget target;
        if (_givenTarget is null)
        {
            _ownNode = await StartNodeAsync(new BenchNodeSpec(NodeDataDirectory, $"bench_{_runId}", "iad"), cancellationToken).ConfigureAwait(false);
            target = _ownNode;
        }
        else
        {
            target = _givenTarget;
        }
        ThroughputResult throughput;
        var latency = new List<LatencyPoint>();
        SamplingResult? sampling = null;
        DecisionResult? decision = null;
        StorageResult? storage = null;
        try
        {
            sampler.Track(target, "warm-up");
            var points = target.IngestPoints;
            Say(F($"target: {target.Describe().Description}; ingest {string.Join(", ", points.Select(p => $"{p.Node} {p.Endpoint(_options.Protocol)}"))}"));
            Say(F($"warm-up run {_options.WarmUpRun.TotalSeconds:0}s at {_options.StartRate / 2:N0} spans/s"));
            await RunLoadAsync(target, sampler, "warm-up", _options.Protocol, _options.StartRate / 2, _options.WarmUpRun, TimeSpan.Zero, null, cancellationToken).ConfigureAwait(false);
            await WaitDrainedAsync(target, target.SendDelay + TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);

            throughput = await SearchAsync(target, sampler, cancellationToken).ConfigureAwait(false);
            var max = throughput.MaxSustainedSpansPerSecond;
            if (max <= 0)
            {
                max = _options.StartRate / 2;
                _notes.Add(F($"The target fell behind even at the first step; latency runs use {max:N0} spans/s as 100%."));
            }

            if (throughput.MaxSustainedSpansPerSecond > 0 && _options.LatencyMax is null)
            {
                (throughput, max) = await ConfirmMaxAsync(target, sampler, throughput, cancellationToken).ConfigureAwait(false);
            }
            if (_options.LatencyMax is { } given)
            {
                _notes.Add(F($"Latency runs at fractions of {given:N0} spans/s (--latency-max), not of the searched maximum ({max:N0} spans/s)."));
                max = given;
            }
            (latency, sampling, var gaugeDecision) = await LatencyAndSamplingAsync(target, sampler, max, cancellationToken).ConfigureAwait(false);
            decision = await ProbeAsync(target, sampler, gaugeDecision, cancellationToken).ConfigureAwait(false);
            storage = await StorageAsync(target, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Not sampled while it stops: its control endpoint goes away with it.
            sampler.Track(null, "idle");
            if (_ownNode is not null)
            {
                Say("stopping the node (hand-off decides what is buffered, storage flushes)...");
                await _ownNode.DisposeAsync().ConfigureAwait(false);
            }
        }
        if (sampler.FailedSamples > 0)
        {
            _notes.Add(F($"{sampler.FailedSamples:N0} of the sampler's readings of the target failed (the last: {sampler.LastFailure}); the timeline has gaps there."));
        }
        if (target is ClusterTarget { FailedScrapes: > 0 } cluster)
        {
            _notes.Add(F($"{cluster.FailedScrapes:N0} scrapes of a node's /metrics failed or took over {ClusterTarget.ScrapeTimeout.TotalSeconds:0}s; that node's previous reading stood in."));
        }

        var report = new BenchReport
        {
            Mode = _options.Mode,
            StartedUtc = started,
            ElapsedSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 1),
            Cores = Environment.ProcessorCount,
            Machine = RuntimeInformation.OSDescription + " " + RuntimeInformation.OSArchitecture,
            // The node's own runtime when it ran as this bench's child; cluster nodes run the same CLI.
            Runtime = _ownNode?.Ready.Runtime ?? RuntimeDescription.Describe(),
            Target = target is ClusterTarget clusterTarget ? clusterTarget.Describe() with { DecisionStore = clusterTarget.DecisionStore() } : target.Describe(),
            Limits = limits,
            Throughput = throughput,
            Latency = latency,
            Memory = memory,
            Decision = decision,
            Sampling = sampling,
            Storage = storage,
            Timeline = Timeline(sampler.Samples),
            Samples = sampler.Samples,
            Skipped = _skipped,
            Notes = _notes,
        };
        return report with { Targets = Targets.Evaluate(report) };
    }

    /// <summary>Physical limits, the raw insert into the storage the target writes to.</summary>
    private async Task<PhysicalLimits> LimitsAsync(CancellationToken cancellationToken)
    {
        // The embedded engine here is this process's own (one per process and directory); the
        // node's child process opens the one in NodeDataDirectory.
        IRawInsertSink sink = _givenTarget is ClusterTarget cluster
            ? cluster.RawInsertSink($"bench_{_runId}_limits")
            : new ChdbInsertSink(ChdbEngine.Open(Path.Combine(_options.DataDirectory, "limits")), $"bench_{_runId}_limits");
        Say($"physical limits: decode-only, row encode, raw insert into {sink.Name}, Akka tell...");
        if (IsCluster)
        {
            _notes.Add("Physical limits were measured with the cluster's node processes running idle beside them (they were started first).");
        }
        var payloads = PayloadSet.Generate(_options.Seed, 40_000);
        var limits = await LimitProbes.MeasureAsync(payloads, sink, _options.LimitBudget, cancellationToken).ConfigureAwait(false);
        Say(F($"  decode {limits.DecodeSpansPerSecond:N0} spans/s, encode {limits.EncodeRowsPerSecond:N0} rows/s, insert {limits.InsertRowsPerSecond:N0} rows/s, tell {limits.TellsPerSecond:N0} msgs/s"));
        return limits;
    }

    /// <summary>
    /// Waits until every accepted span is decided and every kept span written, or the timeout.
    /// True when drained. Polls: the nodes have no "idle" signal, and a poll every 100 ms is noise.
    /// </summary>
    internal static async Task<bool> WaitDrainedAsync(IBenchTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var s = await target.SampleAsync(0, "drain", cancellationToken).ConfigureAwait(false);
            if (s.BufferedSpans == 0 && s.PendingRows == 0)
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where the bench's node processes keep their embedded engine (each run's databases are new).</summary>
    private string NodeDataDirectory => Path.GetFullPath(Path.Combine(_options.DataDirectory, "node"));

    private async Task<ProcessBenchNode> StartNodeAsync(BenchNodeSpec spec, CancellationToken cancellationToken)
    {
        var command = _nodeCommand ?? throw new InvalidOperationException("this runner has no target and no command to start its node (nodeCommand)");
        var node = await ProcessBenchNode.StartAsync(command, spec, () => _clock.Elapsed.TotalSeconds, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        Say(F($"  node started as its own process (pid {node.Pid}; its log: {node.LogPath})"));
        return node;
    }

    /// <summary>A target using less than this much of one core between two readings a second apart has gone quiet.</summary>
    internal const double SettleCpuPercent = 25;

    /// <summary>
    /// Waits, up to <paramref name="timeout"/>, until the target is drained and uses less than
    /// <see cref="SettleCpuPercent"/> of a core over a second. Returns how long it took, or null
    /// when it did not go quiet in time.
    /// </summary>
    internal static async Task<TimeSpan?> WaitSettledAsync(IBenchTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var previous = await target.SampleAsync(0, "settle", cancellationToken).ConfigureAwait(false);
        var previousAt = clock.Elapsed;
        while (clock.Elapsed < timeout)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            var current = await target.SampleAsync(0, "settle", cancellationToken).ConfigureAwait(false);
            var now = clock.Elapsed;
            if (IsSettled(previous, current, now - previousAt))
            {
                return now;
            }
            (previous, previousAt) = (current, now);
        }
        return null;
    }

    /// <summary>Nothing buffered or pending, and the CPU used between the two readings under <see cref="SettleCpuPercent"/> of one core.</summary>
    internal static bool IsSettled(NodeSample before, NodeSample after, TimeSpan between) =>
        after.BufferedSpans == 0 && after.PendingRows == 0 && between > TimeSpan.Zero
        && (after.CpuSeconds - before.CpuSeconds) / between.TotalSeconds * 100 < SettleCpuPercent;

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
