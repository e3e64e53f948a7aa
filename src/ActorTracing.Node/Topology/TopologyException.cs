namespace ActorTracing.Node.Topology;

/// <summary>An invalid <c>cluster.yml</c>; the message names the file, line and key.</summary>
public sealed class TopologyException : Exception
{
    public TopologyException(string message)
        : base(message)
    {
    }

    public TopologyException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public TopologyException()
    {
    }
}
