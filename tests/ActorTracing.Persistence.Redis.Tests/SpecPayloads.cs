using Akka.Actor;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>The payloads the specs persist beyond plain strings.</summary>
public static class SpecPayloads
{
    /// <summary>An event whose serializer (<see cref="FailingSerializer"/>) always throws: the way to make one write of a batch unstorable.</summary>
    public sealed record Unserializable(string Text);

    /// <summary>An event referencing an actor, to check refs survive the round trip.</summary>
    public sealed record ActorPayload(IActorRef Target);

    /// <summary>A snapshot state that goes through the default (JSON) serializer.</summary>
    public sealed record CounterState(int Count, IReadOnlyList<string> Items);
}
