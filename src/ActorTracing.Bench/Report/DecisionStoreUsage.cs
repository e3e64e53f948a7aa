namespace ActorTracing.Bench;

/// <summary>
/// What the durable decisions of a cluster run held in Redis at its end: the decision keys of the
/// run's key prefix, and the server's used memory above what it used when the run began — the
/// figure an operator sizes Redis by (traces/s × decision-ttl × bytes per decision).
/// </summary>
/// <param name="Error">Why Redis could not be read at the end, instead of the figures.</param>
public sealed record DecisionStoreUsage(string Redis, long Decisions, long UsedBytesAboveStart, string? Error = null)
{
    public double? BytesPerDecision => Error is null && Decisions > 0 ? (double)UsedBytesAboveStart / Decisions : null;

    /// <summary>redis-server's CPU time (user + system) over the run, when both readings worked.</summary>
    public double? CpuSeconds { get; init; }

    /// <summary>Wall time between the two readings.</summary>
    public double Seconds { get; init; }

    public string Describe() => Error is not null
        ? $"durable decisions in Redis {Redis}: not read at the end ({Error})"
        : FormattableString.Invariant($"durable decisions in Redis {Redis}: {Decisions:N0} held at the end in {UsedBytesAboveStart / 1048576.0:N1} MiB of Redis memory above the server's start")
            + (BytesPerDecision is { } b ? FormattableString.Invariant($" ({b:N0} B per decision)") : string.Empty)
            + (CpuSeconds is { } cpu && Seconds > 0 ? FormattableString.Invariant($"; redis-server used {cpu:N1} s of CPU over the run's {Seconds:N0} s ({100 * cpu / Seconds:N1} % of a core)") : string.Empty);
}
