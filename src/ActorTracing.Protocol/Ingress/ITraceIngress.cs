using ActorTracing.Domain.Otlp;

namespace ActorTracing.Protocol.Ingress;

/// <summary>
/// Where the OTLP receivers (and the Kafka source) hand decoded spans to the pipeline. The
/// receivers know nothing of actors; the node wires this to the TraceActor shard region.
/// Submit never blocks: when the node is over its memory or storage-backlog budget it answers
/// <see cref="IngressResult.Overloaded"/> so the receiver can reply 429/503 with Retry-After
/// (gRPC RESOURCE_EXHAUSTED/UNAVAILABLE) instead of buffering without bound.
/// </summary>
public interface ITraceIngress
{
    /// <param name="source">
    /// The pooled request body the spans slice, or null when their bytes are theirs to keep. The
    /// caller holds a share only for the call: an ingress that keeps spans past it (in messages,
    /// in a list) must take its own share (<see cref="Domain.SharedBuffer.Retain"/>) and give it
    /// back once it has copied them, or another request will overwrite them.
    /// </param>
    /// <param name="traces">Valid only for the call (the receivers' list is reused for their next
    /// request); an ingress that keeps it must copy it. The spans in it are not affected.</param>
    IngressResult Submit(IReadOnlyList<TraceSpans> traces, string protocol, Domain.SharedBuffer? source = null);
}

/// <summary>
/// An ingress that can also say when what it accepted is safe: for a source that can read again
/// what it has not confirmed. Kafka ingest commits a record's offset only once every trace in it
/// is decided, so a node that crashes with the record's traces still open loses nothing — the
/// group's next consumer reads the record again (README "Kafka ingest").
/// </summary>
public interface IConfirmingIngress : ITraceIngress
{
    /// <summary>
    /// As <see cref="ITraceIngress.Submit"/>; when accepted, <paramref name="decided"/> completes
    /// once the owner of every trace in <paramref name="traces"/> has decided it (or its spans
    /// followed an earlier decision) and handed the decision on, and is canceled when that will
    /// not be heard (the node is stopping). Null when refused.
    /// </summary>
    IngressResult SubmitUntilDecided(IReadOnlyList<TraceSpans> traces, string protocol, Domain.SharedBuffer? source, out Task? decided);

    /// <summary>
    /// As <see cref="ITraceIngress.Submit"/>; when accepted, each message is counted on
    /// <paramref name="countdown"/>, which hears each owner's confirmation (or is abandoned when
    /// they will not be heard). The caller seals it (<see cref="Domain.Delivery.ConfirmationCountdown.Seal"/>)
    /// once it is ready to hear the outcome — until then none can come. Refused: nothing was
    /// counted, and the caller drops it.
    /// </summary>
    IngressResult SubmitUntilDecided(IReadOnlyList<TraceSpans> traces, string protocol, Domain.SharedBuffer? source, Domain.Delivery.ConfirmationCountdown countdown);
}
