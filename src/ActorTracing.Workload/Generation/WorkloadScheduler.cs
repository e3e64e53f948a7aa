namespace ActorTracing.Workload;

/// <summary>
/// Turns the traffic model into export requests on an open-loop schedule. Traces are due at the
/// times a perfectly steady source of the target span rate would produce them; each region batches
/// its spans until the batch is full or has lingered too long; cross-region fragments wait in a
/// queue until their export delay has passed. Pure: the caller passes "now" (nanoseconds since the
/// run started), so the schedule is tested on virtual time and never depends on how fast the
/// senders are — that is what keeps the load open-loop.
/// </summary>
public sealed class WorkloadScheduler
{
    private readonly EdgeTrafficModel _model;
    private readonly double _nanosPerSpan;
    private readonly int _batchSpans;
    private readonly long _maxBatchDelayNanos;
    private readonly ulong _epochUnixNano;
    private readonly WorkloadCounters _counters;
    private readonly Action<TraceGroundTruth>? _onTrace;
    private readonly Dictionary<string, int> _regionIndex = new(StringComparer.Ordinal);
    private readonly string[] _regions;
    private readonly OtlpBatchBuilder[] _batches;
    private readonly long[] _firstAddedAt;
    private readonly PriorityQueue<TraceFragment, long> _delayed = new();
    private long _spansScheduled;
    private long _nextTraceDue;
    private long _earliestDeadline = long.MaxValue;

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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spansPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSpans);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchDelay.Ticks, nameof(maxBatchDelay));
        _model = model;
        _nanosPerSpan = 1e9 / spansPerSecond;
        _batchSpans = batchSpans;
        _maxBatchDelayNanos = maxBatchDelay.Ticks * 100;
        _epochUnixNano = epochUnixNano;
        _counters = counters ?? new WorkloadCounters();
        _onTrace = onTrace;
        _regions = [.. EdgeTrafficModel.Regions];
        _batches = new OtlpBatchBuilder[_regions.Length];
        _firstAddedAt = new long[_regions.Length];
        for (var i = 0; i < _regions.Length; i++)
        {
            _regionIndex[_regions[i]] = i;
            _batches[i] = new OtlpBatchBuilder(model.Resources.Count);
        }
    }

    public WorkloadCounters Counters => _counters;

    /// <summary>Schedule time of the next trace.</summary>
    public long NextTraceDueNanos => _nextTraceDue;

    /// <summary>Cross-region fragments generated but not yet due for export.</summary>
    public int DelayedFragments => _delayed.Count;

    /// <summary>The earliest schedule time at which <see cref="Advance"/> has work: a trace, a delayed fragment or a linger deadline.</summary>
    public long NextWakeNanos
    {
        get
        {
            var wake = Math.Min(_nextTraceDue, _earliestDeadline);
            return _delayed.TryPeek(out _, out var due) ? Math.Min(wake, due) : wake;
        }
    }

    /// <summary>
    /// Generates every trace due up to <paramref name="nowNanos"/> (at most <paramref name="maxTraces"/>,
    /// so a producer that fell behind still hands batches to its senders between calls) and adds
    /// every batch that became ready to <paramref name="ready"/>. Returns the traces generated.
    /// </summary>
    public int Advance(long nowNanos, ICollection<WorkloadBatch> ready, int maxTraces = 10_000)
    {
        ArgumentNullException.ThrowIfNull(ready);
        var traces = 0;
        while (true)
        {
            var traceDue = _nextTraceDue;
            if (_delayed.TryPeek(out var fragment, out var fragmentDue) && fragmentDue <= traceDue && fragmentDue <= nowNanos)
            {
                _delayed.Dequeue();
                FlushExpired(fragmentDue, ready);
                AddFragment(fragment, fragmentDue, ready);
                continue;
            }
            if (traceDue > nowNanos || traces >= maxTraces)
            {
                break;
            }
            FlushExpired(traceDue, ready);
            var scenario = _model.NextTrace(_epochUnixNano + (ulong)traceDue);
            var truth = scenario.Truth;
            traces++;
            _counters.OnTrace(truth);
            _onTrace?.Invoke(truth);
            var fragments = scenario.Fragments;
            for (var i = 0; i < fragments.Count; i++)
            {
                var f = fragments[i];
                if (f.ExportDelay <= TimeSpan.Zero)
                {
                    AddFragment(f, traceDue, ready);
                }
                else
                {
                    _delayed.Enqueue(f, traceDue + (f.ExportDelay.Ticks * 100));
                }
            }
            _spansScheduled += truth.SpanCount;
            // Derived from the running total, not accumulated, so rounding never drifts the rate.
            _nextTraceDue = (long)(_spansScheduled * _nanosPerSpan);
        }
        FlushExpired(nowNanos, ready);
        return traces;
    }

    /// <summary>
    /// Ends the run: releases every delayed fragment and every partial batch, intended at
    /// <paramref name="nowNanos"/> (or earlier when it was due earlier), so no generated span stays behind.
    /// </summary>
    public void Flush(long nowNanos, ICollection<WorkloadBatch> ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        while (_delayed.TryDequeue(out var fragment, out var due))
        {
            var at = Math.Min(due, nowNanos);
            FlushExpired(at, ready);
            AddFragment(fragment, at, ready);
        }
        for (var r = 0; r < _batches.Length; r++)
        {
            if (!_batches[r].IsEmpty)
            {
                Seal(r, Math.Min(_firstAddedAt[r] + _maxBatchDelayNanos, nowNanos), ready);
            }
        }
        _earliestDeadline = long.MaxValue;
    }

    private void AddFragment(TraceFragment fragment, long at, ICollection<WorkloadBatch> ready)
    {
        var region = _regionIndex[fragment.Region];
        var batch = _batches[region];
        if (batch.IsEmpty)
        {
            _firstAddedAt[region] = at;
            _earliestDeadline = Math.Min(_earliestDeadline, at + _maxBatchDelayNanos);
        }
        batch.AddRange(fragment.Spans);
        if (batch.SpanCount >= _batchSpans)
        {
            Seal(region, at, ready);
            RecomputeDeadline();
        }
    }

    /// <summary>Seals every batch whose linger deadline is at or before <paramref name="time"/>, intended at its deadline.</summary>
    private void FlushExpired(long time, ICollection<WorkloadBatch> ready)
    {
        if (time < _earliestDeadline)
        {
            return;
        }
        for (var r = 0; r < _batches.Length; r++)
        {
            if (!_batches[r].IsEmpty && _firstAddedAt[r] + _maxBatchDelayNanos <= time)
            {
                Seal(r, _firstAddedAt[r] + _maxBatchDelayNanos, ready);
            }
        }
        RecomputeDeadline();
    }

    private void Seal(int region, long intendedNanos, ICollection<WorkloadBatch> ready)
    {
        var batch = _batches[region];
        var spans = batch.SpanCount;
        ready.Add(new WorkloadBatch(_regions[region], batch.Build(), spans, intendedNanos));
    }

    private void RecomputeDeadline()
    {
        var earliest = long.MaxValue;
        for (var r = 0; r < _batches.Length; r++)
        {
            if (!_batches[r].IsEmpty)
            {
                earliest = Math.Min(earliest, _firstAddedAt[r] + _maxBatchDelayNanos);
            }
        }
        _earliestDeadline = earliest;
    }
}
