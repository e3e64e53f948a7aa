namespace ActorTracing.Domain.Sampling;

/// <summary>An action compiled with its decisions pre-built, so deciding allocates no reason strings.</summary>
internal abstract class CompiledAction
{
    /// <summary>The decision, or null when the action does not apply (a category rule with no matching category).</summary>
    public abstract SamplingDecision? Decide(TraceEvaluation trace, DateTimeOffset now);
}

internal sealed class CompiledDrop(string name) : CompiledAction
{
    private readonly SamplingDecision _dropped = SamplingDecision.Dropped(SamplingReasons.DropPrefix + name);

    public override SamplingDecision? Decide(TraceEvaluation trace, DateTimeOffset now) => _dropped;
}

internal sealed class CompiledKeep : CompiledAction
{
    private readonly bool _all;
    private readonly ulong _threshold;
    private readonly ulong _salt;
    private readonly RateLimiter? _limiter;
    private readonly ulong _overLimitThreshold;
    private readonly SamplingDecision _kept;
    private readonly SamplingDecision _notChosen;
    private readonly SamplingDecision _rateLimitedKept;
    private readonly SamplingDecision _rateLimitedDropped;

    public CompiledKeep(string name, KeepAction action, bool isDefault)
    {
        _all = action.Probability >= 1;
        _threshold = ProbabilisticSampling.Threshold(action.Probability);
        _salt = ProbabilisticSampling.Salt(action.HashSalt);
        var rate = ProbabilisticSampling.SampleRate(action.Probability);
        _kept = _all
            ? SamplingDecision.Kept(isDefault ? SamplingReasons.Default : SamplingReasons.RulesPrefix + name, 1)
            : SamplingDecision.Kept(SamplingReasons.ProbabilisticPrefix + name, rate);
        _notChosen = SamplingDecision.Dropped(SamplingReasons.ProbabilisticPrefix + name);
        var limited = SamplingReasons.RateLimitedPrefix + name;
        _rateLimitedDropped = SamplingDecision.Dropped(limited);
        _rateLimitedKept = _rateLimitedDropped;
        if (action.RateLimit is { } limit)
        {
            _limiter = new RateLimiter(limit.TracesPerSecond, limit.Burst, limit.ClusterWide);
            // Over the limit a trace is kept iff its hash is also below p·q·2^64: a subset of the
            // traces the rule's own coin keeps, so the combined rate is exactly p·q.
            var combined = Math.Min(action.Probability, 1) * limit.OverLimitProbability;
            _overLimitThreshold = ProbabilisticSampling.Threshold(combined);
            if (combined > 0)
            {
                _rateLimitedKept = SamplingDecision.Kept(limited, ProbabilisticSampling.SampleRate(combined));
            }
        }
    }

    public RateLimiter? Limiter => _limiter;

    public override SamplingDecision? Decide(TraceEvaluation trace, DateTimeOffset now)
    {
        var hash = _salt == 0 ? trace.Hash : ProbabilisticSampling.Hash(trace.Trace.TraceId, _salt);
        if (!_all && hash >= _threshold)
        {
            return _notChosen;
        }
        if (_limiter is null || _limiter.TryAcquire(now))
        {
            return _kept;
        }
        return hash < _overLimitThreshold ? _rateLimitedKept : _rateLimitedDropped;
    }
}

internal sealed class CompiledCategories((CompiledCondition Condition, CompiledAction Action)[] categories) : CompiledAction
{
    public override SamplingDecision? Decide(TraceEvaluation trace, DateTimeOffset now)
    {
        foreach (var (condition, action) in categories)
        {
            if (condition.Matches(trace))
            {
                return action.Decide(trace, now);
            }
        }
        return null;
    }
}
