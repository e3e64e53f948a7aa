namespace ActorTracing.Protocol.Pipeline;

/// <summary>
/// What ingest's redelivery holds and has done (spans sent to owners on other nodes and not yet
/// confirmed), for /metrics: a growing backlog means an owner is silent, and messages sent again
/// mean an owner left with spans it had not confirmed.
/// </summary>
public interface IRedeliveryStats
{
    /// <summary>Messages sent to other nodes and not yet confirmed by their owning shards.</summary>
    int UnconfirmedMessages { get; }

    /// <summary>Bytes of spans those messages hold (admission refuses past redelivery.max-unconfirmed-bytes).</summary>
    long UnconfirmedBytes { get; }

    /// <summary>Messages sent again after their owner left the cluster, since the start.</summary>
    long Redelivered { get; }

    /// <summary>Messages forgotten unconfirmed after 24 × redeliver-after, since the start.</summary>
    long GivenUp { get; }
}
