using System.Diagnostics;

namespace ActorTracing.Bench;

/// <summary>
/// Samples the current target every <see cref="Interval"/> on a background task and keeps the
/// timeline. Steps read windows of it (CPU, peak RSS, decision rate) instead of sampling themselves,
/// so every figure of a run comes from one consistent series.
/// </summary>
public sealed class NodeSampler : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Stopwatch _clock;
    private readonly List<NodeSample> _samples = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private IBenchTarget? _target;
    private string _phase = "idle";
    private long _failedSamples;
    private string? _lastFailure;

    public NodeSampler(Stopwatch clock)
    {
        _clock = clock;
        _loop = Task.Run(LoopAsync);
    }

    public double Now => _clock.Elapsed.TotalSeconds;

    /// <summary>Timer readings that failed (the target did not answer in time); the steps' own readings are not counted.</summary>
    public long FailedSamples => Interlocked.Read(ref _failedSamples);

    public string? LastFailure => Volatile.Read(ref _lastFailure);

    public IReadOnlyList<NodeSample> Samples
    {
        get
        {
            lock (_gate)
            {
                // Two tasks append (the timer and SampleNowAsync), so insertion order may be off by a sample.
                return [.. _samples.OrderBy(s => s.Seconds)];
            }
        }
    }

    /// <summary>Points the sampler at a target (null while none runs) and labels what follows.</summary>
    public void Track(IBenchTarget? target, string phase)
    {
        Volatile.Write(ref _target, target);
        Volatile.Write(ref _phase, phase);
    }

    public void SetPhase(string phase) => Volatile.Write(ref _phase, phase);

    /// <summary>Takes a sample now (also recorded in the timeline) for a step's start or end; null while no target is tracked.</summary>
    public async Task<NodeSample?> SampleNowAsync(CancellationToken cancellationToken = default)
    {
        var target = Volatile.Read(ref _target);
        if (target is null)
        {
            return null;
        }
        // The time is taken before the (possibly remote) reading, so a slow scrape cannot reorder samples.
        var sample = await target.SampleAsync(Now, Volatile.Read(ref _phase), cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _samples.Add(sample);
        }
        return sample;
    }

    /// <summary>As <see cref="SampleNowAsync"/> for callers that know a target is tracked.</summary>
    public async Task<NodeSample> SampleAsync(CancellationToken cancellationToken = default) =>
        await SampleNowAsync(cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException("no target is tracked");

    public IReadOnlyList<NodeSample> Between(double from, double to)
    {
        lock (_gate)
        {
            return _samples.Where(s => s.Seconds >= from && s.Seconds <= to).OrderBy(s => s.Seconds).ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                await SampleNowAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                // A node process that is busy past the call's timeout, or stopping, misses a
                // reading; the timeline must go on (the steps take their own samples).
                Interlocked.Increment(ref _failedSamples);
                Volatile.Write(ref _lastFailure, e.GetType().Name + ": " + e.Message);
            }
        }
    }
}
