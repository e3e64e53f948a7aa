namespace ActorTracing.Domain.Sampling;

/// <summary>Which spans an attribute-style condition inspects.</summary>
public enum SpanScope : byte
{
    /// <summary>The condition holds when any span of the trace satisfies it.</summary>
    AnySpan = 0,

    /// <summary>Only the root span is inspected; a trace without a root never matches.</summary>
    RootSpan = 1,
}

/// <summary>What a <see cref="LatencyCondition"/> measures.</summary>
public enum LatencyMeasure : byte
{
    /// <summary>The root span's duration; a trace without a root never matches.</summary>
    Root = 0,

    /// <summary>Earliest span start to latest span end over the whole trace.</summary>
    Trace = 1,

    /// <summary>Matches when either the root or the whole-trace duration is in range.</summary>
    RootOrTrace = 2,
}

/// <summary>
/// A predicate over a decided-complete trace. The records are the rules' data (parsed from HOCON,
/// compared, printed); <see cref="TraceSampler"/> compiles them once into evaluators.
/// </summary>
public abstract record SamplingCondition;

/// <summary>Matches every trace (a rule without a condition).</summary>
public sealed record AlwaysCondition : SamplingCondition
{
    public static readonly AlwaysCondition Instance = new();

    private AlwaysCondition()
    {
    }
}

/// <summary>Matches when every inner condition matches (true when empty).</summary>
public sealed record AllCondition(IReadOnlyList<SamplingCondition> Conditions) : SamplingCondition;

/// <summary>Matches when at least one inner condition matches (false when empty).</summary>
public sealed record AnyCondition(IReadOnlyList<SamplingCondition> Conditions) : SamplingCondition;

/// <summary>Matches when the inner condition does not.</summary>
public sealed record NotCondition(SamplingCondition Condition) : SamplingCondition;

/// <summary>Matches when any span's status code is one of <paramref name="Codes"/> (OTel's status_code policy).</summary>
public sealed record StatusCodeCondition(IReadOnlyList<SpanStatusCode> Codes) : SamplingCondition
{
    public static readonly StatusCodeCondition Error = new([SpanStatusCode.Error]);
}

/// <summary>
/// Matches when the measured duration is strictly over <paramref name="Threshold"/> and, when
/// <paramref name="UpperThreshold"/> is set, at most that (OTel's latency policy, with the lower
/// bound exclusive so "over 2s" means what it says).
/// </summary>
public sealed record LatencyCondition(
    TimeSpan Threshold,
    TimeSpan? UpperThreshold = null,
    LatencyMeasure Measure = LatencyMeasure.RootOrTrace) : SamplingCondition;

/// <summary>
/// Matches when a span in <paramref name="Scope"/> has attribute <paramref name="Key"/> whose text
/// equals one of <paramref name="Values"/> (ordinal) or is matched by one of the regular expressions
/// in <paramref name="Patterns"/> (unanchored, like OTel). With <paramref name="Invert"/> the result
/// is negated: no span in scope has a matching value (spans without the attribute included).
/// The key is looked up as a virtual field first (see <see cref="VirtualFields"/>), then on the
/// span's attributes, then on its resource's attributes.
/// </summary>
public sealed record StringAttributeCondition(
    string Key,
    IReadOnlyList<string> Values,
    IReadOnlyList<string> Patterns,
    bool Invert = false,
    SpanScope Scope = SpanScope.AnySpan) : SamplingCondition;

/// <summary>Matches when a span in scope has a numeric attribute within [Min, Max] (both inclusive; null = unbounded).</summary>
public sealed record NumericAttributeCondition(
    string Key,
    double? Min,
    double? Max,
    SpanScope Scope = SpanScope.AnySpan) : SamplingCondition;

/// <summary>Matches when a span in scope has a boolean attribute equal to <paramref name="Value"/> (string "true"/"false" does not count, as in OTel).</summary>
public sealed record BooleanAttributeCondition(string Key, bool Value, SpanScope Scope = SpanScope.AnySpan) : SamplingCondition;

/// <summary>Matches when a span in scope has attribute <paramref name="Key"/> at all.</summary>
public sealed record AttributeExistsCondition(string Key, SpanScope Scope = SpanScope.AnySpan) : SamplingCondition;

/// <summary>Matches when the trace has at least <paramref name="Min"/> and at most <paramref name="Max"/> spans.</summary>
public sealed record SpanCountCondition(int Min, int? Max = null) : SamplingCondition;

/// <summary>Matches when a span in scope has one of <paramref name="Kinds"/>.</summary>
public sealed record SpanKindCondition(IReadOnlyList<SpanKind> Kinds, SpanScope Scope = SpanScope.AnySpan) : SamplingCondition;

/// <summary>
/// Matches a span's route: the first of <paramref name="Keys"/> the span has (by default
/// <c>http.route</c>, then <c>url.path</c>, then the older <c>http.target</c>) must match one of
/// the <paramref name="Globs"/> (anchored; <c>*</c> = within one path segment, <c>**</c> = any
/// depth, <c>?</c> = one character, <c>{a,b}</c> = either) or one of the regular expressions in
/// <paramref name="Patterns"/> (unanchored). A query string is ignored for globs.
/// </summary>
public sealed record RouteCondition(
    IReadOnlyList<string> Globs,
    IReadOnlyList<string> Patterns,
    IReadOnlyList<string> Keys,
    SpanScope Scope = SpanScope.AnySpan) : SamplingCondition
{
    public static readonly IReadOnlyList<string> DefaultKeys = ["http.route", "url.path", "http.target"];
}

/// <summary>
/// Matches on why the trace was decided (<see cref="TraceSnapshot.CompletionReason"/>): equal to
/// one of <paramref name="Reasons"/> or under it (<c>expired</c> matches <c>expired/no_root</c>).
/// </summary>
public sealed record CompletionReasonCondition(IReadOnlyList<string> Reasons) : SamplingCondition;
