namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>The protocol of <see cref="CounterActor"/>.</summary>
public static class CounterCommands
{
    public sealed record Add(string Item);

    public sealed record Added(string Item, long SequenceNr);

    public sealed record TakeSnapshot
    {
        public static readonly TakeSnapshot Instance = new();

        private TakeSnapshot()
        {
        }
    }

    public sealed record SnapshotTaken(long SequenceNr);

    public sealed record GetState
    {
        public static readonly GetState Instance = new();

        private GetState()
        {
        }
    }

    public sealed record State(IReadOnlyList<string> Items, long LastSequenceNr, long? RecoveredFromSnapshotAt);
}
