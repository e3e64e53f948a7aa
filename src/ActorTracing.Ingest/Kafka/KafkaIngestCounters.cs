using ActorTracing.Streams.Kafka;

namespace ActorTracing.Ingest;

/// <summary>
/// Counters of the Kafka source for /metrics and tests. Written by the one stream that runs the
/// source (records are handled one at a time) and read from any thread without locks.
/// </summary>
public sealed class KafkaIngestCounters
{
    private long _recordsConsumed;
    private long _spansAccepted;
    private long _recordsMalformed;
    private long _retries;
    private long _recordsCommitted;
    private long _consumerRestarts;
    private long _lagRefreshFailures;
    private long _undecided;
    private long _decisionWaitsAbandoned;
    private Func<IReadOnlyList<PartitionLag>> _lag = static () => [];
    private Func<TimeSpan?> _lagAge = static () => null;

    /// <summary>Records taken from Kafka and handed to decoding (a retried record counts once).</summary>
    public long RecordsConsumed => Volatile.Read(ref _recordsConsumed);

    /// <summary>Spans of accepted submits.</summary>
    public long SpansAccepted => Volatile.Read(ref _spansAccepted);

    /// <summary>Records whose value is not an ExportTraceServiceRequest: skipped and committed.</summary>
    public long RecordsMalformed => Volatile.Read(ref _recordsMalformed);

    /// <summary>Submits refused as overloaded and retried after the ingress's Retry-After.</summary>
    public long Retries => Volatile.Read(ref _retries);

    /// <summary>Records whose offsets have been committed.</summary>
    public long RecordsCommitted => Volatile.Read(ref _recordsCommitted);

    /// <summary>
    /// Consumer streams that failed (consume or commit error, consumer dropped from its group) and
    /// were replaced by a new consumer after a backoff. Counted when the failure is seen, so a
    /// restart still waiting out its backoff is included.
    /// </summary>
    public long ConsumerRestarts => Volatile.Read(ref _consumerRestarts);

    /// <summary>
    /// Periodic lag refreshes that failed (broker unreachable, query timed out or refused), across
    /// consumers. <see cref="Lag"/> keeps its last figures meanwhile and <see cref="LagAge"/> grows.
    /// </summary>
    public long LagRefreshFailures => Volatile.Read(ref _lagRefreshFailures);

    /// <summary>
    /// Records accepted whose traces are not all decided yet (commit-after = decided); their
    /// offsets are committed only after. A decided record that waits only for an earlier one to be
    /// committed is not counted.
    /// </summary>
    public long UndecidedRecords => Volatile.Read(ref _undecided);

    /// <summary>
    /// Records whose decisions will not be heard (their owners' confirmations given up on, or the
    /// node stopping first): left uncommitted, so they are read again.
    /// </summary>
    public long DecisionWaitsAbandoned => Volatile.Read(ref _decisionWaitsAbandoned);

    /// <summary>Lag per assigned partition as of the consumer's last refresh; empty while not running.</summary>
    public IReadOnlyList<PartitionLag> Lag => Volatile.Read(ref _lag)();

    /// <summary>How old <see cref="Lag"/> is (since the broker answered for it); null while not running or before the first answer.</summary>
    public TimeSpan? LagAge => Volatile.Read(ref _lagAge)();

    internal void RecordConsumed() => Interlocked.Increment(ref _recordsConsumed);

    internal void Accepted(int spans) => Interlocked.Add(ref _spansAccepted, spans);

    internal void Malformed() => Interlocked.Increment(ref _recordsMalformed);

    internal void Retried() => Interlocked.Increment(ref _retries);

    internal void Committed(int records) => Interlocked.Add(ref _recordsCommitted, records);

    internal void Restarted() => Interlocked.Increment(ref _consumerRestarts);

    internal void AwaitingDecision() => Interlocked.Increment(ref _undecided);

    /// <summary>A record's wait ended: decided, or the confirmations were given up on (the task canceled).</summary>
    internal void DecisionHeard() => Interlocked.Decrement(ref _undecided);

    internal void DecisionWaitAbandoned() => Interlocked.Increment(ref _decisionWaitsAbandoned);

    internal void LagRefreshFailed() => Interlocked.Increment(ref _lagRefreshFailures);

    internal void LagFrom(Func<IReadOnlyList<PartitionLag>> lag, Func<TimeSpan?> age)
    {
        // Read apart, so a scrape during a refresh or a restart may pair one snapshot's figures
        // with the next one's age: harmless for gauges, and cheaper than a lock on every scrape.
        Volatile.Write(ref _lag, lag);
        Volatile.Write(ref _lagAge, age);
    }
}
