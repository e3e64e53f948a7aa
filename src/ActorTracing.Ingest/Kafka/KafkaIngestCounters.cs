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
    private Func<IReadOnlyList<PartitionLag>> _lag = static () => [];

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

    /// <summary>Lag per assigned partition as of the consumer's last refresh; empty while not running.</summary>
    public IReadOnlyList<PartitionLag> Lag => Volatile.Read(ref _lag)();

    internal void RecordConsumed() => Interlocked.Increment(ref _recordsConsumed);

    internal void Accepted(int spans) => Interlocked.Add(ref _spansAccepted, spans);

    internal void Malformed() => Interlocked.Increment(ref _recordsMalformed);

    internal void Retried() => Interlocked.Increment(ref _retries);

    internal void Committed(int records) => Interlocked.Add(ref _recordsCommitted, records);

    internal void Restarted() => Interlocked.Increment(ref _consumerRestarts);

    internal void LagFrom(Func<IReadOnlyList<PartitionLag>> lag) => Volatile.Write(ref _lag, lag);
}
