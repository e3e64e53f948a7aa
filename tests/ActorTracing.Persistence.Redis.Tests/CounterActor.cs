using Akka.Actor;
using Akka.Persistence;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>A persistent actor for the end-to-end specs: items persisted as events, optional snapshots.</summary>
public sealed class CounterActor : ReceivePersistentActor
{
    private readonly List<string> _items = [];
    private long? _recoveredFromSnapshotAt;

    public CounterActor(string persistenceId)
    {
        PersistenceId = persistenceId;

        Recover<string>(item => _items.Add(item));
        Recover<SnapshotOffer>(offer =>
        {
            _items.Clear();
            _items.AddRange(((string)offer.Snapshot).Split('|', StringSplitOptions.RemoveEmptyEntries));
            _recoveredFromSnapshotAt = offer.Metadata.SequenceNr;
        });

        Command<CounterCommands.Add>(add =>
        {
            var sender = Sender;
            Persist(add.Item, item =>
            {
                _items.Add(item);
                sender.Tell(new CounterCommands.Added(item, LastSequenceNr));
            });
        });
        Command<CounterCommands.TakeSnapshot>(_ =>
        {
            SaveSnapshot(string.Join('|', _items));
            Become(AwaitingSnapshot(Sender));
        });
        Command<CounterCommands.GetState>(_ =>
            Sender.Tell(new CounterCommands.State([.. _items], LastSequenceNr, _recoveredFromSnapshotAt)));
    }

    public override string PersistenceId { get; }

    public static Props PropsFor(string persistenceId) => Props.Create(() => new CounterActor(persistenceId));

    private Action AwaitingSnapshot(IActorRef requester) => () =>
    {
        Command<SaveSnapshotSuccess>(success =>
        {
            requester.Tell(new CounterCommands.SnapshotTaken(success.Metadata.SequenceNr));
            UnbecomeStacked();
        });
        Command<SaveSnapshotFailure>(failure =>
        {
            requester.Tell(new Status.Failure(failure.Cause));
            UnbecomeStacked();
        });
    };
}
