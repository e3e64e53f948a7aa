namespace ActorTracing.Workload;

/// <summary>How a sender reaches a node and how it retries. Times apply per export request.</summary>
public sealed record OtlpSenderOptions
{
    /// <summary>
    /// The node's base address: <c>http://host:4318</c> for HTTP (the sender appends /v1/traces
    /// unless the path already ends with it), <c>http://host:4317</c> for gRPC.
    /// </summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Compress request bodies (Content-Encoding: gzip / grpc-encoding: gzip).</summary>
    public bool Gzip { get; init; }

    /// <summary>Timeout of one attempt; a timed-out attempt is retried like a network error.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait after a throttle or failure without Retry-After; doubles per retry (±20% jitter).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Retry-After / RetryInfo values above this are capped, so a misconfigured node cannot park the workload.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long one request keeps being retried before it is reported failed (counted, never
    /// silently dropped); null retries until cancelled.
    /// </summary>
    public TimeSpan? GiveUpAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Extra request headers / gRPC metadata (e.g. an API key).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public void Validate()
    {
        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"OtlpSenderOptions.Endpoint must be an absolute http(s) URI, got '{Endpoint}'", nameof(Endpoint));
        }
        if (AttemptTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("OtlpSenderOptions.AttemptTimeout must be > 0", nameof(AttemptTimeout));
        }
        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException("OtlpSenderOptions.MaxBackoff must be >= InitialBackoff >= 0", nameof(MaxBackoff));
        }
    }

    internal TimeSpan Backoff(int retry)
    {
        // Jitter keeps N throttled senders from retrying in lockstep against the same node.
        var exponent = Math.Min(retry - 1, 30);
        var baseDelay = Math.Min(InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent), MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(baseDelay * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    /// <summary>Whether waiting <paramref name="wait"/> more would take a send past <see cref="GiveUpAfter"/>; both senders share the budget rule.</summary>
    internal bool WouldExceedRetryBudget(long startedNanos, long nowNanos, TimeSpan wait) =>
        GiveUpAfter is { } limit && TimeSpan.FromTicks((nowNanos - startedNanos) / 100) + wait > limit;

    /// <summary>
    /// The end of a failed attempt that would be retried after <paramref name="wait"/>, for every
    /// send loop: the request's failure when that wait would take it past <see cref="GiveUpAfter"/>,
    /// else null with the retry counted.
    /// </summary>
    internal OtlpSendResult? GiveUpOrRetry(OtlpSenderStats stats, long startedNanos, long nowNanos, TimeSpan wait, int attempts, int throttles, string problem)
    {
        if (WouldExceedRetryBudget(startedNanos, nowNanos, wait))
        {
            stats.OnFailed();
            return new OtlpSendResult(false, attempts, throttles, 0, $"gave up after {attempts} attempts: {problem}");
        }
        stats.OnRetry();
        return null;
    }

    internal TimeSpan CapRetryAfter(TimeSpan wait) =>
        wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? MaxRetryAfter : wait;
}
