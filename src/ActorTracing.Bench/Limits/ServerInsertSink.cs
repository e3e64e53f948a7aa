using System.Globalization;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>Raw RowBinary inserts over HTTP into one ClickHouse server shard (the 18.16 schema).</summary>
public sealed class ServerInsertSink(ClickHouseHttpClient client, string database) : IRawInsertSink
{
    private readonly ServerSpanStore _store = new(client, new ServerTraceSchema(database));

    public string Name => $"ClickHouse server {client.Endpoint}";

    public SchemaFlavor Flavor => SchemaFlavor.Legacy;

    public Task CreateAsync(CancellationToken cancellationToken) => _store.EnsureSchemaAsync(cancellationToken);

    public Task InsertAsync(byte[] rowBinary, int rows, CancellationToken cancellationToken) => _store.WriteAsync(rowBinary, rows, cancellationToken);

    public async Task<long> MergedBytesAsync(CancellationToken cancellationToken)
    {
        await client.ExecuteAsync($"OPTIMIZE TABLE {_store.Schema.QualifiedTracesTable} FINAL", cancellationToken).ConfigureAwait(false);
        var disk = await client.QueryAsync(
            "SELECT sum(bytes_on_disk) FROM system.parts " +
            $"WHERE active AND database = '{database}' AND table = '{TraceSchema.TracesTable}'",
            "TabSeparated",
            cancellationToken).ConfigureAwait(false);
        return long.Parse(disk.Trim(), CultureInfo.InvariantCulture);
    }

    public Task DropAsync(CancellationToken cancellationToken) => client.ExecuteAsync($"DROP DATABASE IF EXISTS `{database}`", cancellationToken);
}
