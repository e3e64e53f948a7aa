using ActorTracing.Storage;

namespace ActorTracing.Node.Pipeline;

/// <summary>The query layer's reader for this node's storage: the embedded engine, or every server shard (fan-out).</summary>
internal static class SpanReaders
{
    public static ISpanReader For(StorageSettings storage, EmbeddedSpanStore? embedded, IReadOnlyList<ISpanStore> stores, TimeSpan queryTimeout)
    {
        if (embedded is not null)
        {
            return ClickHouseSpanReader.ForEmbedded(embedded.Engine, storage.Database, queryTimeout);
        }
        var readers = stores
            .OfType<ServerSpanStore>()
            .Select(s => (ISpanReader)new ClickHouseSpanReader((sql, ct) => s.Client.QueryBytesAsync(sql, "JSONEachRow", ct), storage.Database, queryTimeout, SchemaFlavor.Legacy))
            .ToList();
        return readers.Count == 1 ? readers[0] : new FanOutSpanReader(readers);
    }
}
