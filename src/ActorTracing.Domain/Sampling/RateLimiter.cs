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
    private double _share = 1;

    public RateLimiter(double tracesPerSecond, double burst, bool clusterWide = false)
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
        ClusterWide = clusterWide;
        _tokens = burst;
    }

    /// <summary>The rule's rate: for the whole cluster when <see cref="ClusterWide"/>, else for this node.</summary>
    public double TracesPerSecond { get; }

    public double Burst { get; }

    /// <summary>
    /// Whether <see cref="TracesPerSecond"/> and <see cref="Burst"/> are the cluster's budget, of
    /// which this node spends <see cref="Share"/>.
    /// </summary>
    public bool ClusterWide { get; }

    /// <summary>
    /// The part of a cluster-wide budget this node spends, in [0, 1]: the part of the trace shards
    /// it owns, since a trace is decided only by its shard's owner and trace ids spread evenly over
    /// shards. Always 1 for a per-node limit. Set as shards move (<see cref="SetShare"/>).
    /// </summary>
    public double Share => Volatile.Read(ref _share);

    /// <summary>Traces per second this node may keep now.</summary>
    public double EffectiveTracesPerSecond => TracesPerSecond * Share;

    /// <summary>
    /// The bucket this node fills: its share of the burst, but at least one trace, so a node that
    /// owns a small part of the shards can still keep a trace now and then.
    /// </summary>
    public double EffectiveBurst => Math.Max(1, Burst * Share);

    /// <summary>
    /// Sets this node's part of a cluster-wide budget (ignored for a per-node limit). Tokens
    /// already in the bucket above the new burst are dropped, so a node whose share shrank does
    /// not spend the old one.
    /// </summary>
    public void SetShare(double share)
    {
        if (!(share >= 0 && share <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(share), share, "must be in [0, 1]");
        }
        if (!ClusterWide)
        {
            return;
        }
        lock (_gate)
        {
            Volatile.Write(ref _share, share);
            _tokens = Math.Min(_tokens, EffectiveBurst);
        }
    }

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
                _tokens = Math.Min(EffectiveBurst, _tokens + ((now - _last).TotalSeconds * EffectiveTracesPerSecond));
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
