namespace ActorTracing.Domain.Sampling;

/// <summary>
/// A token bucket: <see cref="TracesPerSecond"/> tokens per second up to <see cref="Burst"/>, one
/// token per kept trace. Time is passed in, never read, so tests drive it with explicit instants
/// and the sampler stays a pure function of (trace, now, bucket state). One instance is shared by
/// every actor deciding with the same sampler, hence the lock; the critical section is a few
/// arithmetic operations, so contention costs less than a lock-free retry loop would.
/// </summary>
public sealed class RateLimiter
{
    private readonly Lock _gate = new();
    private double _tokens;
    private DateTimeOffset _last;
    private bool _started;
    private long _granted;
    private long _denied;

    public RateLimiter(double tracesPerSecond, double burst)
    {
        if (!(tracesPerSecond > 0) || double.IsInfinity(tracesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(tracesPerSecond), tracesPerSecond, "must be a positive finite number");
        }
        if (!(burst >= 1) || double.IsInfinity(burst))
        {
            throw new ArgumentOutOfRangeException(nameof(burst), burst, "must be at least 1");
        }
        TracesPerSecond = tracesPerSecond;
        Burst = burst;
        _tokens = burst;
    }

    public double TracesPerSecond { get; }

    public double Burst { get; }

    /// <summary>Traces let through so far.</summary>
    public long Granted => Interlocked.Read(ref _granted);

    /// <summary>Traces refused so far.</summary>
    public long Denied => Interlocked.Read(ref _denied);

    /// <summary>Takes one token if there is one at <paramref name="now"/>.</summary>
    public bool TryAcquire(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_started)
            {
                // The bucket starts full at the first request, not at construction: a node that
                // idled since startup has not "saved up" more than a burst anyway.
                _started = true;
                _last = now;
            }
            else if (now > _last)
            {
                _tokens = Math.Min(Burst, _tokens + ((now - _last).TotalSeconds * TracesPerSecond));
                _last = now;
            }
            // A clock that steps backwards (callers on different threads, NTP) adds nothing and
            // does not move _last back, so the same interval is never credited twice.
            if (_tokens >= 1)
            {
                _tokens -= 1;
                _granted++;
                return true;
            }
            _denied++;
            return false;
        }
    }
}
