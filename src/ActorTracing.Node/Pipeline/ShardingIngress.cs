using ActorTracing.Actors.Cluster;
using ActorTracing.Domain;
using ActorTracing.Domain.Delivery;
using ActorTracing.Domain.Otlp;
using ActorTracing.Node.Configuration;
using ActorTracing.Protocol.Ingress;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Hosting;

namespace ActorTracing.Node.Pipeline;

/// <summary>
/// The receivers' door into the cluster: admission control, then one Tell per trace to the shard
/// region (never an Ask: the ack to the client means "accepted into the pipeline", and waiting
/// for an actor per trace would put a round trip on every request).
/// Admission looks at memory held by undecided traces and at storage's backlog; refusing early
/// with Retry-After is how overload turns into backpressure instead of loss (pain point 7).
/// During a partition it also refuses traces whose shard lives across the cut (see
/// <see cref="ShardHomes"/>): a Tell to an unreachable owner would wait in a region buffer that
/// dies with whichever side the split brain resolver downs. A Tell to an owner on another node
/// carries a receipt (see <see cref="Redelivery"/>): the spans are kept until the owner confirms,
/// and sent to the shard's next home if the owner leaves first, so a cut the failure detector has
/// not seen yet does not lose what was accepted — without waiting for the owner before answering.
/// </summary>
public sealed class ShardingIngress : IConfirmingIngress
{
    private readonly ActorRegistry _registry;
    private IActorRef? _region;
    private readonly PipelineGauges _gauges;
    private readonly Func<long> _pendingStorageRows;
    private readonly NodeSettings _settings;
    private readonly ShardHomes? _homes;
    private readonly Redelivery? _redelivery;
    private long _throttled;
    private long _partitionRefusals;

    public ShardingIngress(ActorRegistry registry, PipelineGauges gauges, Func<long> pendingStorageRows, NodeSettings settings, ShardHomes? homes = null, Redelivery? redelivery = null)
    {
        _registry = registry;
        _homes = homes;
        _redelivery = redelivery;
        _gauges = gauges;
        _pendingStorageRows = pendingStorageRows;
        _settings = settings;
    }

    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Requests refused because a trace's owner was across a partition.</summary>
    public long PartitionRefusals => Interlocked.Read(ref _partitionRefusals);

    /// <summary>Why the last request was refused (for operators and diagnostics), or null.</summary>
    public string? LastRefusal { get; private set; }

    public IngressResult Submit(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source = null) =>
        Refused(SubmitCore(traces, source, null));

    /// <summary>
    /// Every message carries a receipt — to a shard on this node too — and the returned task
    /// completes once every trace's owner has confirmed (see <see cref="Redelivery.Track"/>).
    /// Needs redelivery (<c>actortracing.node.redelivery.enabled</c>): its actor takes the confirmations.
    /// </summary>
    public IngressResult SubmitUntilDecided(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source, out Task? decided)
    {
        var countdown = new ConfirmationCountdown();
        var result = SubmitUntilDecided(traces, protocol, source, countdown);
        if (!result.Accepted)
        {
            decided = null;
            return result;
        }
        countdown.Seal();
        decided = countdown.Task;
        return result;
    }

    /// <inheritdoc/>
    public IngressResult SubmitUntilDecided(IReadOnlyList<TraceSpans> traces, string protocol, SharedBuffer? source, ConfirmationCountdown countdown)
    {
        ArgumentNullException.ThrowIfNull(countdown);
        if (_redelivery is null)
        {
            throw new InvalidOperationException("waiting for decisions needs redelivery's confirmations: actortracing.node.redelivery.enabled = off");
        }
        return Refused(SubmitCore(traces, source, countdown));
    }

    private IngressResult Refused(IngressResult result)
    {
        if (!result.Accepted)
        {
            LastRefusal = result.Reason;
        }
        return result;
    }

    private IngressResult SubmitCore(IReadOnlyList<TraceSpans> traces, SharedBuffer? source, ConfirmationCountdown? countdown)
    {
        // The receivers are mapped before the actor system has started the shard region; until
        // it exists the honest answer is "not yet", which clients retry.
        var region = _region ??= _registry.TryGet<TraceRegion>(out var r) ? r : null;
        if (region is null)
        {
            return IngressResult.Overloaded(_settings.RetryAfter, "node is starting; retry shortly");
        }
        if (_gauges.BytesBuffered > _settings.MaxBufferedBytes)
        {
            Interlocked.Increment(ref _throttled);
            return IngressResult.Overloaded(_settings.RetryAfter, $"node buffer full ({_gauges.BytesBuffered} bytes of undecided spans); retry later");
        }
        if (_pendingStorageRows() > _settings.MaxPendingRows)
        {
            Interlocked.Increment(ref _throttled);
            return IngressResult.Overloaded(_settings.RetryAfter, "storage is behind; retry later");
        }

        if (_redelivery is { } delivery)
        {
            if (!delivery.Ready)
            {
                return IngressResult.Overloaded(_settings.RetryAfter, "node is starting; retry shortly");
            }
            if (delivery.Unconfirmed.OverBound)
            {
                Interlocked.Increment(ref _throttled);
                return IngressResult.Overloaded(_settings.RetryAfter, $"{delivery.Unconfirmed.Bytes} bytes of spans sent to other nodes are not yet confirmed by their owners; retry later");
            }
        }

        if (_homes is { SelfUp: false })
        {
            Interlocked.Increment(ref _partitionRefusals);
            return IngressResult.Overloaded(_settings.RetryAfter, "node is leaving the cluster (shutdown or downed); retry against another node");
        }
        if (_homes is { MayRefuse: true })
        {
            // All or nothing, checked before anything is sent: a partially accepted request would
            // be retried whole by the client and duplicate the accepted part.
            for (var i = 0; i < traces.Count; i++)
            {
                if (_homes.UnreachableOwner(traces[i].TraceId) is { } why)
                {
                    Interlocked.Increment(ref _partitionRefusals);
                    return IngressResult.Overloaded(_settings.RetryAfter, $"cluster partitioned: {why}; retry (another region's endpoint, or here once the resolver decides)");
                }
            }
        }

        for (var i = 0; i < traces.Count; i++)
        {
            var trace = traces[i];
            var spans = trace.Spans;
            // Only "received" here: the TraceActor charges the buffer on whichever node it lives,
            // so buffered bytes stay balanced per node in a multi-node cluster.
            _gauges.Received(spans.Count);
            // Each message holds a share of the request body its spans slice, given back by the
            // shard once it has copied them (or by the serializer when the shard is remote).
            source?.Retain();
            // A message to another node (or to a home not known yet) is kept until its owner
            // confirms, and sent again if the owner leaves the cluster first (see Redelivery).
            var receipt = _redelivery?.Track(trace.TraceId, spans, source, countdown);
            region.Tell(new TraceCommands.AppendSpans(trace.TraceId, spans) { Source = source, Receipt = receipt }, ActorRefs.NoSender);
        }
        return IngressResult.Ok;
    }
}
