namespace ActorTracing.Protocol.Traces;

/// <summary>ActorRegistry key of the TraceActor shard region (or proxy): ingest finds it by this key, never by reference.</summary>
public sealed class TraceRegion
{
    private TraceRegion()
    {
    }
}
