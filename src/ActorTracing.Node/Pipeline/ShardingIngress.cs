using ActorTracing.Domain.Otlp;
using ActorTracing.Node.Configuration;
using ActorTracing.Protocol.Ingress;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Traces;
using Akka.Actor;

namespace ActorTracing.Node.Pipeline;

/// <summary>
/// The receivers' door into the cluster: admission control, then one Tell per trace to the shard
/// region (never an Ask: the ack to the client means "accepted into the pipeline", and waiting
/// for an actor per trace would put a round trip on every request).
/// Admission looks at memory held by undecided traces and at storage's backlog; refusing early
/// with Retry-After is how overload turns into backpressure instead of loss (pain point 7).
/// </summary>
public sealed class ShardingIngress : ITraceIngress
{
    private readonly IActorRef _region;
    private readonly PipelineGauges _gauges;
    private readonly Func<long> _pendingStorageRows;
    private readonly NodeSettings _settings;
    private long _throttled;

    public ShardingIngress(IActorRef region, PipelineGauges gauges, Func<long> pendingStorageRows, NodeSettings settings)
    {
        _region = region;
        _gauges = gauges;
        _pendingStorageRows = pendingStorageRows;
        _settings = settings;
    }

    public long Throttled => Interlocked.Read(ref _throttled);

    public IngressResult Submit(IReadOnlyList<TraceSpans> traces, string protocol)
    {
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

        for (var i = 0; i < traces.Count; i++)
        {
            var trace = traces[i];
            long bytes = 0;
            var spans = trace.Spans;
            for (var j = 0; j < spans.Count; j++)
            {
                bytes += spans[j].Size;
            }
            // Charged before the Tell so the actor's release can never run ahead of the charge.
            _gauges.Accepted(spans.Count, bytes);
            _region.Tell(new TraceCommands.AppendSpans(trace.TraceId, spans), ActorRefs.NoSender);
        }
        return IngressResult.Ok;
    }
}
