namespace ActorTracing.Storage;

/// <summary>Where kept spans are written: <c>actortracing.storage.engine</c>.</summary>
public enum StorageEngine
{
    /// <summary>The in-process chDB engine under <c>data-directory</c> (no server needed).</summary>
    Embedded = 0,

    /// <summary>ClickHouse servers over HTTP, one shard per <c>shards</c> URL, traces split by trace-id hash.</summary>
    Servers = 1,
}
