namespace ActorTracing.Domain.Sampling;

/// <summary>The reason vocabulary: <c>&lt;mode&gt;/&lt;rule or category&gt;</c>.</summary>
public static class SamplingReasons
{
    /// <summary>Kept by a rule that keeps everything it matches.</summary>
    public const string RulesPrefix = "rules/";

    /// <summary>Kept or dropped by a rule's percentage.</summary>
    public const string ProbabilisticPrefix = "probabilistic/";

    /// <summary>Dropped by an explicit drop rule.</summary>
    public const string DropPrefix = "drop/";

    /// <summary>Over the rule's traces-per-second limit (dropped, or kept at the over-limit rate).</summary>
    public const string RateLimitedPrefix = "rate-limited/";

    /// <summary>The name the default action decides under.</summary>
    public const string DefaultName = "default";

    /// <summary>A keep-everything default; any other default reads <c>&lt;mode&gt;/default</c>.</summary>
    public const string Default = "default";
}
