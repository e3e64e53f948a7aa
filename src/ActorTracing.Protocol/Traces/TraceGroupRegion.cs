namespace ActorTracing.Protocol.Traces;

/// <summary>ActorRegistry key of the correlation group shard region (or its proxy).</summary>
public sealed class TraceGroupRegion
{
    private TraceGroupRegion()
    {
    }
}
