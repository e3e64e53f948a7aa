using ActorTracing.Protocol.Traces;
using ActorTracing.Storage;

namespace ActorTracing.Node.Pipeline;

/// <summary>
/// The storage writer runs on the node's ActorSystem, which DI builds after the sink is
/// registered; this holder breaks that cycle. TraceActors only publish after the node started,
/// by which time the writer is set.
/// </summary>
public sealed class StorageWriterHolder : ITraceOutcomeSink
{
    private StorageOutcomeSink? _sink;

    /// <summary>One writer per storage shard (a single "embedded" shard on the default engine).</summary>
    public ShardedStorageWriter? Writer { get; private set; }

    /// <param name="owe">Owes kept traces' receipts once their rows are written (see <see cref="StorageOutcomeSink"/>).</param>
    public void Set(ShardedStorageWriter writer, Action<OwedReceipts>? owe = null)
    {
        Writer = writer;
        _sink = new StorageOutcomeSink(writer, owe);
    }

    public long PendingRows => Writer?.PendingRows ?? 0;

    public void OnDecided(in TraceDecided decided)
        => (_sink ?? throw new InvalidOperationException("storage writer not started")).OnDecided(in decided);
}
