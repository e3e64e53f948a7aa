using System.Text.RegularExpressions;

namespace ActorTracing.Domain.Sampling;

/// <summary>
/// Decides keep or drop for a complete trace: the first matching rule's action, else the default.
/// Built once from <see cref="SamplingRules"/> (regexes compiled, attribute keys numbered, rate
/// limiters created) and then shared: <see cref="Decide"/> is thread-safe and, apart from the rate
/// limiters' buckets, a pure function of the trace and the time, so every node holding the same
/// rules reaches the same probabilistic decision for the same trace id.
/// </summary>
public sealed class TraceSampler
{
    private readonly (CompiledCondition Condition, CompiledAction Action)[] _rules;
    private readonly CompiledAction _default;
    private readonly int _keyCount;

    public TraceSampler(SamplingRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules;
        var compiler = new Compiler();
        _rules = new (CompiledCondition, CompiledAction)[rules.Rules.Count];
        for (var i = 0; i < rules.Rules.Count; i++)
        {
            var rule = rules.Rules[i] ?? throw new ArgumentException($"rules[{i}] is null", nameof(rules));
            var where = $"rules[{i}] ({rule.Name})";
            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                throw new ArgumentException($"rules[{i}]: a rule needs a name (decision reasons carry it)", nameof(rules));
            }
            _rules[i] = (compiler.Condition(rule.Condition, where), compiler.Action(rule.Action, rule.Name, where, allowCategories: true, isDefault: false));
        }
        if (rules.Default is CategoryAction)
        {
            throw new ArgumentException("default: must be a keep or a drop, not categories", nameof(rules));
        }
        _default = compiler.Action(rules.Default, SamplingReasons.DefaultName, "default", allowCategories: false, isDefault: true);
        _keyCount = compiler.KeyCount;
        RateLimiters = compiler.Limiters;
    }

    public SamplingRules Rules { get; }

    /// <summary>The rate limiters of the rules that have one, keyed by rule or category name (for metrics and tests).</summary>
    public IReadOnlyDictionary<string, RateLimiter> RateLimiters { get; }

    /// <summary>
    /// Sets this node's part of every cluster-wide rate limit: the fraction of the trace shards it
    /// owns (see <see cref="RateLimiter.Share"/>). Per-node limits keep their full rate.
    /// </summary>
    public void SetClusterShare(double share)
    {
        foreach (var limiter in RateLimiters.Values)
        {
            limiter.SetShare(share);
        }
    }

    public SamplingDecision Decide(in TraceSnapshot trace, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(trace.Spans);
        var evaluation = TraceEvaluation.Rent(in trace, _keyCount);
        try
        {
            foreach (var (condition, action) in _rules)
            {
                if (condition.Matches(evaluation) && action.Decide(evaluation, now) is { } decision)
                {
                    return decision;
                }
            }
            return _default.Decide(evaluation, now)!;
        }
        finally
        {
            evaluation.Return();
        }
    }

    private sealed class Compiler
    {
        private readonly Dictionary<string, AttributeKey> _keys = new(StringComparer.Ordinal);

        public int KeyCount => _keys.Count;

        public Dictionary<string, RateLimiter> Limiters { get; } = new(StringComparer.Ordinal);

        public CompiledCondition Condition(SamplingCondition? condition, string where)
        {
            switch (condition)
            {
                case null:
                    throw new ArgumentException($"{where}: condition is null");
                case AlwaysCondition:
                    return AlwaysMatch.Instance;
                case AllCondition all:
                    return new AllMatch([.. all.Conditions.Select((c, i) => Condition(c, $"{where}.all[{i}]"))]);
                case AnyCondition any:
                    return new AnyMatch([.. any.Conditions.Select((c, i) => Condition(c, $"{where}.any[{i}]"))]);
                case NotCondition not:
                    return new NotMatch(Condition(not.Condition, $"{where}.not"));
                case StatusCodeCondition status:
                    return new StatusMatch(status.Codes);
                case LatencyCondition latency:
                    if (latency.UpperThreshold is { } upper && upper <= latency.Threshold)
                    {
                        throw new ArgumentException($"{where}: latency upper threshold {upper} must be above the threshold {latency.Threshold}");
                    }
                    return new LatencyMatch(latency);
                case StringAttributeCondition text:
                    CompiledCondition match = new StringAttributeMatch(
                        Key(text.Key, where),
                        new HashSet<string>(text.Values, StringComparer.Ordinal),
                        [.. text.Patterns.Select(p => Regex(p, where))],
                        text.Scope);
                    return text.Invert ? new NotMatch(match) : match;
                case NumericAttributeCondition numeric:
                    if (numeric.Min is null && numeric.Max is null)
                    {
                        throw new ArgumentException($"{where}: a numeric condition needs min, max or both");
                    }
                    return new NumericAttributeMatch(Key(numeric.Key, where), numeric.Min ?? double.NegativeInfinity, numeric.Max ?? double.PositiveInfinity, numeric.Scope);
                case BooleanAttributeCondition boolean:
                    return new BooleanAttributeMatch(Key(boolean.Key, where), boolean.Value, boolean.Scope);
                case AttributeExistsCondition exists:
                    return new AttributeExistsMatch(Key(exists.Key, where), exists.Scope);
                case SpanCountCondition count:
                    return new SpanCountMatch(count);
                case SpanKindCondition kind:
                    return new SpanKindMatch(kind.Kinds, kind.Scope);
                case RouteCondition route:
                    if (route.Globs.Count == 0 && route.Patterns.Count == 0)
                    {
                        throw new ArgumentException($"{where}: a route condition needs globs or patterns");
                    }
                    var keys = route.Keys.Count == 0 ? RouteCondition.DefaultKeys : route.Keys;
                    return new RouteMatch(
                        [.. keys.Select(k => Key(k, where))],
                        route.Globs.Count == 0 ? null : Regex(string.Join('|', route.Globs.Select(g => $"(?:{Glob(g, where)})")), where),
                        [.. route.Patterns.Select(p => Regex(p, where))],
                        route.Scope);
                case CompletionReasonCondition reason:
                    return new CompletionReasonMatch(reason.Reasons);
                default:
                    throw new ArgumentException($"{where}: unsupported condition {condition.GetType().Name}");
            }
        }

        public CompiledAction Action(SamplingAction? action, string name, string where, bool allowCategories, bool isDefault)
        {
            switch (action)
            {
                case DropAction:
                    return new CompiledDrop(name);
                case KeepAction keep:
                    if (!(keep.Probability > 0 && keep.Probability <= 1))
                    {
                        throw new ArgumentException($"{where}: keep probability must be in (0, 1], got {keep.Probability}");
                    }
                    if (keep.RateLimit is { } limit && !(limit.OverLimitProbability >= 0 && limit.OverLimitProbability <= 1))
                    {
                        throw new ArgumentException($"{where}: over-limit probability must be in [0, 1], got {limit.OverLimitProbability}");
                    }
                    CompiledKeep compiled;
                    try
                    {
                        compiled = new CompiledKeep(name, keep, isDefault);
                    }
                    catch (ArgumentOutOfRangeException e)
                    {
                        throw new ArgumentException($"{where}: rate limit {e.ParamName} {e.Message}", e);
                    }
                    if (compiled.Limiter is { } limiter)
                    {
                        Limiters[name] = limiter;
                    }
                    return compiled;
                case CategoryAction categories when allowCategories:
                    return new CompiledCategories([.. categories.Categories.Select((c, i) =>
                    {
                        var categoryWhere = $"{where}.categories[{i}] ({c.Name})";
                        if (string.IsNullOrWhiteSpace(c.Name))
                        {
                            throw new ArgumentException($"{where}.categories[{i}]: a category needs a name (decision reasons carry it)");
                        }
                        return (Condition(c.Condition, categoryWhere), Action(c.Action, c.Name, categoryWhere, allowCategories: false, isDefault: false));
                    })]);
                case CategoryAction:
                    throw new ArgumentException($"{where}: categories cannot nest or be the default");
                default:
                    throw new ArgumentException($"{where}: unsupported action {action?.GetType().Name ?? "null"}");
            }
        }

        private AttributeKey Key(string name, string where)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"{where}: attribute key is empty");
            }
            if (!_keys.TryGetValue(name, out var key))
            {
                key = new AttributeKey(name, _keys.Count);
                _keys.Add(name, key);
            }
            return key;
        }

        private static string Glob(string glob, string where)
        {
            try
            {
                return RouteGlob.ToRegex(glob);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{where}: {e.Message}", e);
            }
        }

        private static Regex Regex(string pattern, string where)
        {
            try
            {
                return RegexMatching.Compile(pattern);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{where}: invalid regular expression '{pattern}': {e.Message}", e);
            }
        }
    }
}
