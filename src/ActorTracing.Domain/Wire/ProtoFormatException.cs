namespace ActorTracing.Domain.Wire;

/// <summary>The bytes are not a well-formed protocol-buffers message; the message says where.</summary>
public sealed class ProtoFormatException : FormatException
{
    public ProtoFormatException(string message)
        : base(message)
    {
    }

    public ProtoFormatException()
    {
    }

    public ProtoFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
