using Akka.Hosting;

namespace ActorTracing.Protocol.Serialization;

public static class ProtocolSerializationHostingExtensions
{
    public const string SerializerName = "actortracing";

    /// <summary>
    /// Binds <see cref="IProtocolMessage"/> to <see cref="ProtocolSerializer"/>. Every node of a
    /// cluster must call it: spans cross nodes whenever a trace's shard lives elsewhere.
    /// </summary>
    public static AkkaConfigurationBuilder WithProtocolSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer(SerializerName, [typeof(IProtocolMessage)], system => new ProtocolSerializer(system));
}
