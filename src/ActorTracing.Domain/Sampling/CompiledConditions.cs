using System.Text.RegularExpressions;

namespace ActorTracing.Domain.Sampling;

/// <summary>A condition compiled for evaluation: regexes built, value sets hashed, keys numbered.</summary>
internal abstract class CompiledCondition
{
    public abstract bool Matches(TraceEvaluation trace);
}

internal sealed class AlwaysMatch : CompiledCondition
{
    public static readonly AlwaysMatch Instance = new();

    public override bool Matches(TraceEvaluation trace) => true;
}

internal sealed class AllMatch(CompiledCondition[] conditions) : CompiledCondition
{
    public override bool Matches(TraceEvaluation trace)
    {
        foreach (var condition in conditions)
        {
            if (!condition.Matches(trace))
            {
                return false;
            }
        }
        return true;
    }
}

internal sealed class AnyMatch(CompiledCondition[] conditions) : CompiledCondition
{
    public override bool Matches(TraceEvaluation trace)
    {
        foreach (var condition in conditions)
        {
            if (condition.Matches(trace))
            {
                return true;
            }
        }
        return false;
    }
}

internal sealed class NotMatch(CompiledCondition inner) : CompiledCondition
{
    public override bool Matches(TraceEvaluation trace) => !inner.Matches(trace);
}

internal sealed class StatusMatch(IReadOnlyList<SpanStatusCode> codes) : CompiledCondition
{
    private readonly bool[] _codes = BuildMask(codes);

    public override bool Matches(TraceEvaluation trace)
    {
        var spans = trace.Spans;
        for (var i = 0; i < spans.Count; i++)
        {
            var code = (int)spans[i].Status;
            if (code < _codes.Length && _codes[code])
            {
                return true;
            }
        }
        return false;
    }

    private static bool[] BuildMask(IReadOnlyList<SpanStatusCode> codes)
    {
        var mask = new bool[3];
        foreach (var code in codes)
        {
            if ((int)code < mask.Length)
            {
                mask[(int)code] = true;
            }
        }
        return mask;
    }
}

internal sealed class LatencyMatch(LatencyCondition condition) : CompiledCondition
{
    private readonly ulong _lower = ToNanos(condition.Threshold);
    private readonly ulong _upper = condition.UpperThreshold is { } upper ? ToNanos(upper) : ulong.MaxValue;

    public override bool Matches(TraceEvaluation trace)
    {
        if (condition.Measure != LatencyMeasure.Trace)
        {
            var root = trace.RootIndex;
            if (root >= 0 && InRange(trace.Spans[root].DurationNanos))
            {
                return true;
            }
        }
        return condition.Measure != LatencyMeasure.Root && trace.Spans.Count > 0 && InRange(trace.TraceDurationNanos);
    }

    private bool InRange(ulong nanos) => nanos > _lower && nanos <= _upper;

    private static ulong ToNanos(TimeSpan value) => value <= TimeSpan.Zero ? 0 : (ulong)value.Ticks * 100;
}

internal sealed class SpanCountMatch(SpanCountCondition condition) : CompiledCondition
{
    public override bool Matches(TraceEvaluation trace)
        => trace.Spans.Count >= condition.Min && (condition.Max is not { } max || trace.Spans.Count <= max);
}

internal sealed class CompletionReasonMatch(IReadOnlyList<string> reasons) : CompiledCondition
{
    public override bool Matches(TraceEvaluation trace)
    {
        var actual = trace.Trace.CompletionReason;
        foreach (var reason in reasons)
        {
            if (actual.StartsWith(reason, StringComparison.Ordinal)
                && (actual.Length == reason.Length || actual[reason.Length] == '/'))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>Base of the per-span predicates: applies the scope (any span / root only).</summary>
internal abstract class SpanMatch(SpanScope scope) : CompiledCondition
{
    public override bool Matches(TraceEvaluation trace)
    {
        if (scope == SpanScope.RootSpan)
        {
            var root = trace.RootIndex;
            return root >= 0 && MatchesSpan(trace, root);
        }
        var count = trace.Spans.Count;
        for (var i = 0; i < count; i++)
        {
            if (MatchesSpan(trace, i))
            {
                return true;
            }
        }
        return false;
    }

    protected abstract bool MatchesSpan(TraceEvaluation trace, int spanIndex);
}

internal sealed class StringAttributeMatch(AttributeKey key, HashSet<string> values, Regex[] patterns, SpanScope scope)
    : SpanMatch(scope)
{
    protected override bool MatchesSpan(TraceEvaluation trace, int spanIndex)
    {
        // A plain string value is matched by its bytes, without a string of it (see TryGetSpanText);
        // the answer is remembered per value, as the patterns' answer is below.
        if (trace.TryGetSpanText(spanIndex, key, out var utf8))
        {
            return _texts.Matches(utf8, this, static (match, text) => match.MatchesText(text));
        }
        if (!trace.TryGetAttribute(spanIndex, key, out var value))
        {
            return false;
        }
        var text = value.AsString();
        return values.Contains(text) || (patterns.Length > 0 && _memo.Matches(text, patterns, static (p, t) => RegexMatching.AnyMatch(p, t)));
    }

    private bool MatchesText(string text) => values.Contains(text) || (patterns.Length > 0 && RegexMatching.AnyMatch(patterns, text));

    private readonly MatchMemo _memo = new();
    private readonly Utf8MatchMemo _texts = new();
}

internal sealed class NumericAttributeMatch(AttributeKey key, double min, double max, SpanScope scope) : SpanMatch(scope)
{
    protected override bool MatchesSpan(TraceEvaluation trace, int spanIndex)
        => trace.TryGetAttribute(spanIndex, key, out var value)
           && value.TryGetNumber(out var number)
           && number >= min
           && number <= max;
}

internal sealed class BooleanAttributeMatch(AttributeKey key, bool expected, SpanScope scope) : SpanMatch(scope)
{
    protected override bool MatchesSpan(TraceEvaluation trace, int spanIndex)
        => trace.TryGetAttribute(spanIndex, key, out var value) && value.Kind == AttributeKind.Bool && value.Bool == expected;
}

internal sealed class AttributeExistsMatch(AttributeKey key, SpanScope scope) : SpanMatch(scope)
{
    protected override bool MatchesSpan(TraceEvaluation trace, int spanIndex) => trace.TryGetAttribute(spanIndex, key, out _);
}

internal sealed class SpanKindMatch(IReadOnlyList<SpanKind> kinds, SpanScope scope) : SpanMatch(scope)
{
    private readonly bool[] _kinds = BuildMask(kinds);

    protected override bool MatchesSpan(TraceEvaluation trace, int spanIndex)
    {
        var kind = (int)trace.Spans[spanIndex].Kind;
        return kind < _kinds.Length && _kinds[kind];
    }

    private static bool[] BuildMask(IReadOnlyList<SpanKind> kinds)
    {
        var mask = new bool[6];
        foreach (var kind in kinds)
        {
            if ((int)kind < mask.Length)
            {
                mask[(int)kind] = true;
            }
        }
        return mask;
    }
}

internal sealed class RouteMatch(AttributeKey[] keys, Regex? globs, Regex[] patterns, SpanScope scope) : SpanMatch(scope)
{
    protected override bool MatchesSpan(TraceEvaluation trace, int spanIndex)
    {
        foreach (var key in keys)
        {
            if (!trace.TryGetAttribute(spanIndex, key, out var value))
            {
                continue;
            }
            // Only the first key present is the route: a span with http.route "/users/{id}" is
            // judged by that template, not by its concrete url.path.
            return _memo.Matches(value.AsString(), this, static (self, route) => self.Evaluate(route));
        }
        return false;
    }

    private readonly MatchMemo _memo = new();

    private bool Evaluate(string route)
    {
        if (globs is not null)
        {
            var query = route.IndexOf('?', StringComparison.Ordinal);
            if (RegexMatching.IsMatch(globs, query >= 0 ? route[..query] : route))
            {
                return true;
            }
        }
        return RegexMatching.AnyMatch(patterns, route);
    }
}

/// <summary>
/// Remembers whether a string matched a condition's patterns. Routes, user agents and the like
/// repeat endlessly while each regex match is real work (a glob set like "**/*.{js,css,...}"
/// backtracks over the whole string, and the match timeout is armed per call): a profile at
/// 80k spans/s showed regex matching as ~10 % of the node's CPU. Bounded: once full, new strings
/// are matched but not remembered, so high-cardinality values (raw URLs with ids) cost what they
/// cost before and memory stays fixed. Shared by every shard (the sampler is), hence concurrent.
/// </summary>
internal sealed class MatchMemo
{
    public const int Capacity = 8192;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _results = new(StringComparer.Ordinal);

    public bool Matches<TState>(string text, TState state, Func<TState, string, bool> evaluate)
    {
        if (_results.TryGetValue(text, out var known))
        {
            return known;
        }
        var result = evaluate(state, text);
        if (_results.Count < Capacity)
        {
            _results.TryAdd(text, result);
        }
        return result;
    }
}

/// <summary>
/// <see cref="MatchMemo"/> keyed by a value's UTF-8 bytes: a value seen before is answered without
/// a string of it; a new one is decoded once, evaluated and remembered (up to
/// <see cref="MatchMemo.Capacity"/> values; past that, evaluated each time, as before).
/// </summary>
internal sealed class Utf8MatchMemo
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], bool> _results = new(Utf8BytesComparer.Instance);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], bool>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private int _count;

    public Utf8MatchMemo() => _lookup = _results.GetAlternateLookup<ReadOnlySpan<byte>>();

    public bool Matches<TState>(ReadOnlySpan<byte> utf8, TState state, Func<TState, string, bool> evaluate)
    {
        if (_lookup.TryGetValue(utf8, out var known))
        {
            return known;
        }
        var result = evaluate(state, System.Text.Encoding.UTF8.GetString(utf8));
        // A counter, not the dictionary's Count (which takes every lock): checked on each miss.
        if (Volatile.Read(ref _count) < MatchMemo.Capacity && _results.TryAdd(utf8.ToArray(), result))
        {
            Interlocked.Increment(ref _count);
        }
        return result;
    }

    private sealed class Utf8BytesComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Utf8BytesComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}

internal static class RegexMatching
{
    /// <summary>
    /// Bounds a single backtracking match so a pathological pattern or value cannot stall a
    /// decision. Only patterns the linear-time engine cannot run get it (see <see cref="Compile"/>).
    /// </summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Prefers .NET's non-backtracking engine: its match time is linear in the input by
    /// construction, so no wall-clock timeout is needed and a match never depends on how busy the
    /// machine is (under a starved CPU a backtracking match could exceed its timeout and count as
    /// no match — the same trace filed differently on a loaded node). Every route glob (we write
    /// its regex) and most user patterns qualify. Only constructs that engine refuses —
    /// backreferences, lookarounds, atomic groups — fall back to the backtracking engine, bounded
    /// by <see cref="MatchTimeout"/>.
    /// </summary>
    public static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, Regex.InfiniteMatchTimeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, MatchTimeout);
        }
    }

    public static bool AnyMatch(Regex[] patterns, string text)
    {
        foreach (var pattern in patterns)
        {
            if (IsMatch(pattern, text))
            {
                return true;
            }
        }
        return false;
    }

    public static bool IsMatch(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            // A timed-out match counts as no match: deciding late is worse than one misfiled trace.
            return false;
        }
    }
}
