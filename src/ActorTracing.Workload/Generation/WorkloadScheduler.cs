using ActorTracing.Domain;

namespace ActorTracing.Workload;

/// <summary>
/// Turns traffic into export requests on an open-loop schedule. Traces are due at the times a
/// perfectly steady source of the target span rate would produce them; each region batches its
/// spans until the batch is full or has lingered too long; cross-region fragments wait in a queue
/// until their export delay has passed. Pure: the caller passes "now" (nanoseconds since the run
/// started), so the schedule is tested on virtual time and never depends on how fast the senders
/// are — that is what keeps the load open-loop.
/// </summary>
/// <remarks>
/// Traffic comes either from an <see cref="EdgeTrafficModel"/> (every trace generated and batched
/// as objects; senders encode) or from a <see cref="TraceTemplatePool"/> (templates of the same
/// model replayed with fresh ids and shifted times, batched as encoded bytes) — the generator's
/// default, at a fraction of the CPU per span. The schedule is the same for both.
/// </remarks>
public sealed class WorkloadScheduler
{
    private readonly ScheduleCore _core;

    /// <param name="epochUnixNano">Wall-clock time of run start; span timestamps are this plus schedule time.</param>
    /// <param name="onTrace">Receives the ground truth of every trace as it is generated (on the caller's thread).</param>
    public WorkloadScheduler(
        EdgeTrafficModel model,
        double spansPerSecond,
        int batchSpans,
        TimeSpan maxBatchDelay,
        ulong epochUnixNano,
        WorkloadCounters? counters = null,
        Action<TraceGroundTruth>? onTrace = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _core = new ScheduleCore<TraceFragment>(new ModelTraffic(model), spansPerSecond, batchSpans, maxBatchDelay, epochUnixNano, counters, onTrace);
    }

    /// <summary>A schedule that replays <paramref name="templates"/>, choosing them with <paramref name="seed"/>.</summary>
    /// <param name="seed">Which templates follow each other and which trace ids they get: the same seed replays the same run.</param>
    /// <param name="onTrace">Receives each trace's ground truth (the template's, with the trace's own ids); allocates one record per trace.</param>
    /// <param name="requests">Where the requests' arrays come from (the generator's pool unless a test gives its own).</param>
    public WorkloadScheduler(
        TraceTemplatePool templates,
        long seed,
        double spansPerSecond,
        int batchSpans,
        TimeSpan maxBatchDelay,
        ulong epochUnixNano,
        WorkloadCounters? counters = null,
        Action<TraceGroundTruth>? onTrace = null,
        SharedBufferPool? requests = null)
    {
        ArgumentNullException.ThrowIfNull(templates);
        _core = new ScheduleCore<ReplayFragment>(new ReplayTraffic(templates, seed, requests), spansPerSecond, batchSpans, maxBatchDelay, epochUnixNano, counters, onTrace);
    }

    public WorkloadCounters Counters => _core.Counters;

    /// <summary>Schedule time of the next trace.</summary>
    public long NextTraceDueNanos => _core.NextTraceDueNanos;

    /// <summary>Cross-region fragments generated but not yet due for export.</summary>
    public int DelayedFragments => _core.DelayedFragments;

    /// <summary>The earliest schedule time at which <see cref="Advance"/> has work: a trace, a delayed fragment or a linger deadline.</summary>
    public long NextWakeNanos => _core.NextWakeNanos;

    /// <summary>
    /// Generates every trace due up to <paramref name="nowNanos"/> (at most <paramref name="maxTraces"/>,
    /// so a producer that fell behind still hands batches to its senders between calls) and adds
    /// every batch that became ready to <paramref name="ready"/>. Returns the traces generated.
    /// </summary>
    public int Advance(long nowNanos, ICollection<WorkloadBatch> ready, int maxTraces = 10_000)
    {
        ArgumentNullException.ThrowIfNull(ready);
        return _core.Advance(nowNanos, ready, maxTraces);
    }

    /// <summary>
    /// Ends the run: releases every delayed fragment and every partial batch, intended at
    /// <paramref name="nowNanos"/> (or earlier when it was due earlier), so no generated span stays behind.
    /// </summary>
    public void Flush(long nowNanos, ICollection<WorkloadBatch> ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        _core.Flush(nowNanos, ready);
    }
}
