using Akka.Actor;
using Akka.Serialization;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>Bound to <see cref="SpecPayloads.Unserializable"/> in the specs' config; refuses to serialize it.</summary>
public sealed class FailingSerializer : Serializer
{
    public FailingSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => 4242;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new InvalidOperationException($"{obj.GetType().Name} cannot be serialized (by design of the spec)");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw new InvalidOperationException("never written, so never read");
}
