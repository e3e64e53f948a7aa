using ActorTracing.Domain;

namespace ActorTracing.Workload;

/// <summary>How hard and how long the generator drives a node.</summary>
public sealed record WorkloadOptions
{
    public const double DefaultSpansPerSecond = 10_000;
    public const int DefaultBatchSpans = 100;

    /// <summary>Open-loop target: spans generated per second regardless of how fast the node acknowledges.</summary>
    public double TargetSpansPerSecond { get; init; } = DefaultSpansPerSecond;

    /// <summary>How long to generate; null runs until cancelled.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Seed of the traffic model: the same seed and rate generate the same traces.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>A region's batch is sent once it holds at least this many spans (whole traces are never split).</summary>
    public int BatchSpans { get; init; } = DefaultBatchSpans;

    /// <summary>A partial batch is sent once its first span has waited this long (an SDK's schedule delay).</summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Requests intended before this much of the run has passed are sent and counted but left out of
    /// <see cref="WorkloadCounters.AckLatency"/>, so JIT tiering and connection set-up in the first
    /// seconds do not dominate a steady-state percentile. Zero records every request.
    /// </summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.Zero;

    /// <summary>Requests in flight at once (sender workers).</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>
    /// Ready requests waiting for a sender. When full the producer waits: the schedule then lags,
    /// and the lag shows in the ack latency, which is measured from each request's intended time.
    /// </summary>
    public int MaxQueuedRequests { get; init; } = 1024;

    /// <summary>Where replayed requests' arrays come from: the generator's own pool unless a test gives one (tests run in parallel).</summary>
    internal SharedBufferPool? RequestBuffers { get; init; }

    /// <summary>After the run ends (or is cancelled), how long queued requests may still be sent.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public EdgeTrafficOptions Traffic { get; init; } = EdgeTrafficOptions.Default;

    /// <summary>
    /// How many traces the model generates before the run (seeded by <see cref="Seed"/>) for the
    /// generator to replay with fresh ids and scheduled times (<see cref="TraceTemplatePool"/>):
    /// the same traffic shape at a fraction of the CPU per span. 0 generates and encodes every trace
    /// with the model during the run instead (~1 µs of CPU per span more).
    /// </summary>
    public int TraceTemplates { get; init; } = TraceTemplatePool.DefaultSize;

    /// <summary>Throws naming the first option that is out of range.</summary>
    public void Validate()
    {
        if (!(TargetSpansPerSecond > 0) || double.IsInfinity(TargetSpansPerSecond))
        {
            throw new ArgumentException("WorkloadOptions.TargetSpansPerSecond must be > 0", nameof(TargetSpansPerSecond));
        }
        if (Duration is { } d && d <= TimeSpan.Zero)
        {
            throw new ArgumentException("WorkloadOptions.Duration must be > 0 (or null to run until cancelled)", nameof(Duration));
        }
        if (WarmUp < TimeSpan.Zero)
        {
            throw new ArgumentException("WorkloadOptions.WarmUp must be >= 0", nameof(WarmUp));
        }
        if (BatchSpans <= 0)
        {
            throw new ArgumentException("WorkloadOptions.BatchSpans must be > 0", nameof(BatchSpans));
        }
        if (MaxBatchDelay <= TimeSpan.Zero)
        {
            throw new ArgumentException("WorkloadOptions.MaxBatchDelay must be > 0", nameof(MaxBatchDelay));
        }
        if (Concurrency <= 0)
        {
            throw new ArgumentException("WorkloadOptions.Concurrency must be > 0", nameof(Concurrency));
        }
        if (MaxQueuedRequests <= 0)
        {
            throw new ArgumentException("WorkloadOptions.MaxQueuedRequests must be > 0", nameof(MaxQueuedRequests));
        }
        if (TraceTemplates < 0)
        {
            throw new ArgumentException("WorkloadOptions.TraceTemplates must be >= 0 (0 = generate every trace with the model)", nameof(TraceTemplates));
        }
        Traffic.Validate();
    }
}
