namespace ActorTracing.Workload;

/// <summary>The schedule of <see cref="WorkloadScheduler"/>, whatever the traffic's fragments are.</summary>
internal abstract class ScheduleCore
{
    public abstract WorkloadCounters Counters { get; }

    public abstract long NextTraceDueNanos { get; }

    public abstract int DelayedFragments { get; }

    public abstract long NextWakeNanos { get; }

    public abstract int Advance(long nowNanos, ICollection<WorkloadBatch> ready, int maxTraces);

    public abstract void Flush(long nowNanos, ICollection<WorkloadBatch> ready);
}

/// <summary>
/// The open-loop schedule over one traffic: due times from the running span total, per-region
/// linger deadlines, and delayed fragments in a priority queue by due time. Generic over the
/// fragment so replayed fragments (structs) wait out their delay without an allocation each.
/// </summary>
internal sealed class ScheduleCore<TFragment> : ScheduleCore
{
    private readonly IWorkloadTraffic<TFragment> _traffic;
    private readonly double _nanosPerSpan;
    private readonly int _batchSpans;
    private readonly long _maxBatchDelayNanos;
    private readonly ulong _epochUnixNano;
    private readonly WorkloadCounters _counters;
    private readonly Action<TraceGroundTruth>? _onTrace;
    private readonly long[] _firstAddedAt;
    private readonly TFragment[] _fragments = new TFragment[2];
    private readonly PriorityQueue<TFragment, long> _delayed = new();
    private long _spansScheduled;
    private long _nextTraceDue;
    private long _earliestDeadline = long.MaxValue;
    private TraceTally _tally;

    public ScheduleCore(
        IWorkloadTraffic<TFragment> traffic,
        double spansPerSecond,
        int batchSpans,
        TimeSpan maxBatchDelay,
        ulong epochUnixNano,
        WorkloadCounters? counters,
        Action<TraceGroundTruth>? onTrace)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spansPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSpans);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchDelay.Ticks, nameof(maxBatchDelay));
        _traffic = traffic;
        _nanosPerSpan = 1e9 / spansPerSecond;
        _batchSpans = batchSpans;
        _maxBatchDelayNanos = maxBatchDelay.Ticks * 100;
        _epochUnixNano = epochUnixNano;
        _counters = counters ?? new WorkloadCounters();
        _onTrace = onTrace;
        _firstAddedAt = new long[traffic.Regions.Count];
    }

    public override WorkloadCounters Counters => _counters;

    public override long NextTraceDueNanos => _nextTraceDue;

    public override int DelayedFragments => _delayed.Count;

    public override long NextWakeNanos
    {
        get
        {
            var wake = Math.Min(_nextTraceDue, _earliestDeadline);
            return _delayed.TryPeek(out _, out var due) ? Math.Min(wake, due) : wake;
        }
    }

    public override int Advance(long nowNanos, ICollection<WorkloadBatch> ready, int maxTraces)
    {
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
            var count = _traffic.NextTrace(_epochUnixNano + (ulong)traceDue, _fragments, out var shape);
            traces++;
            _tally.Add(shape);
            _onTrace?.Invoke(_traffic.CurrentTruth());
            for (var i = 0; i < count; i++)
            {
                var delay = _traffic.ExportDelayNanos(_fragments[i]);
                if (delay <= 0)
                {
                    AddFragment(_fragments[i], traceDue, ready);
                }
                else
                {
                    _delayed.Enqueue(_fragments[i], traceDue + delay);
                }
            }
            _spansScheduled += shape.SpanCount;
            // Derived from the running total, not accumulated, so rounding never drifts the rate.
            _nextTraceDue = (long)(_spansScheduled * _nanosPerSpan);
        }
        FlushExpired(nowNanos, ready);
        _counters.OnTraces(ref _tally);
        return traces;
    }

    public override void Flush(long nowNanos, ICollection<WorkloadBatch> ready)
    {
        while (_delayed.TryDequeue(out var fragment, out var due))
        {
            var at = Math.Min(due, nowNanos);
            FlushExpired(at, ready);
            AddFragment(fragment, at, ready);
        }
        for (var r = 0; r < _firstAddedAt.Length; r++)
        {
            if (_traffic.PendingSpans(r) > 0)
            {
                ready.Add(_traffic.Seal(r, Math.Min(_firstAddedAt[r] + _maxBatchDelayNanos, nowNanos)));
            }
        }
        _earliestDeadline = long.MaxValue;
    }

    private void AddFragment(in TFragment fragment, long at, ICollection<WorkloadBatch> ready)
    {
        var region = _traffic.RegionOf(fragment);
        if (_traffic.PendingSpans(region) == 0)
        {
            _firstAddedAt[region] = at;
            _earliestDeadline = Math.Min(_earliestDeadline, at + _maxBatchDelayNanos);
        }
        _traffic.Add(fragment);
        if (_traffic.PendingSpans(region) >= _batchSpans)
        {
            ready.Add(_traffic.Seal(region, at));
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
        for (var r = 0; r < _firstAddedAt.Length; r++)
        {
            if (_traffic.PendingSpans(r) > 0 && _firstAddedAt[r] + _maxBatchDelayNanos <= time)
            {
                ready.Add(_traffic.Seal(r, _firstAddedAt[r] + _maxBatchDelayNanos));
            }
        }
        RecomputeDeadline();
    }

    private void RecomputeDeadline()
    {
        var earliest = long.MaxValue;
        for (var r = 0; r < _firstAddedAt.Length; r++)
        {
            if (_traffic.PendingSpans(r) > 0)
            {
                earliest = Math.Min(earliest, _firstAddedAt[r] + _maxBatchDelayNanos);
            }
        }
        _earliestDeadline = earliest;
    }
}
