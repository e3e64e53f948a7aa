namespace ActorTracing.Protocol;

/// <summary>
/// Marks every message that crosses the cluster or is persisted. It is the one type bound to
/// <see cref="Serialization.ProtocolSerializer"/>, so a new message that forgets a wire format
/// fails its round-trip spec instead of silently falling back to a reflection serializer.
/// </summary>
public interface IProtocolMessage
{
}
