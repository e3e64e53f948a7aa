using System.Globalization;

namespace ActorTracing.Storage;

/// <summary>
/// Stores spans on one ClickHouse server (one shard) over HTTP: one <c>INSERT ... FORMAT RowBinary</c>
/// request per batch, rows encoded for <see cref="ServerTraceSchema"/> (<see cref="SchemaFlavor.Legacy"/>,
/// which 18.16 and every later server accept). Thread-safe; owns its <see cref="ClickHouseHttpClient"/>
/// when created by <see cref="OpenAsync"/>.
/// </summary>
/// <remarks>
/// A batch is one insert block on the server, so it is stored whole or not at all. But a request
/// whose answer is lost (timeout, connection reset after the server committed) looks failed and is
/// retried by <see cref="StorageWriter"/>: delivery is at least once, and such a batch is stored
/// twice. Plain MergeTree on 18.16 has no insert deduplication to prevent that.
/// </remarks>
public sealed class ServerSpanStore : ISpanStore, IDisposable
{
    private readonly bool _ownsClient;
    private readonly string _insertSql;
    private readonly string _summaryInsertSql;

    public ServerSpanStore(ClickHouseHttpClient client, ServerTraceSchema schema)
        : this(client, schema, ownsClient: false)
    {
    }

    private ServerSpanStore(ClickHouseHttpClient client, ServerTraceSchema schema, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(schema);
        Client = client;
        Schema = schema;
        _ownsClient = ownsClient;
        _insertSql = schema.InsertSql;
        _summaryInsertSql = schema.SummaryInsertSql;
    }

    public ClickHouseHttpClient Client { get; }

    public ServerTraceSchema Schema { get; }

    public Uri Endpoint => Client.Endpoint;

    public SchemaFlavor Flavor => SchemaFlavor.Legacy;

    /// <summary>
    /// Connects to <paramref name="endpoint"/> with the settings' credentials and timeout and creates
    /// whatever of the schema is missing (IF NOT EXISTS, safe on every start).
    /// </summary>
    /// <exception cref="StorageException">The server is unreachable, refuses the credentials or the DDL.</exception>
    public static async Task<ServerSpanStore> OpenAsync(Uri endpoint, StorageSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(settings);
        var client = new ClickHouseHttpClient(endpoint, settings.User, settings.Password, settings.RequestTimeout);
        var store = new ServerSpanStore(client, new ServerTraceSchema(settings.Database, settings.TtlDays), ownsClient: true);
        try
        {
            await store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Runs <see cref="ServerTraceSchema.CreateStatements"/> in order.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        foreach (var statement in Schema.CreateStatements())
        {
            await Client.ExecuteAsync(statement, cancellationToken).ConfigureAwait(false);
        }
    }

    public bool StoresSummaries => true;

    public Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken) =>
        Insert(_insertSql, rowBinary, rows, cancellationToken);

    /// <summary>One INSERT into otel_trace_summaries per batch; at least once, like the spans (see remarks).</summary>
    public Task WriteSummariesAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken) =>
        Insert(_summaryInsertSql, rowBinary, rows, cancellationToken);

    public async Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        var rows = ParseLongs(await Client.QueryAsync($"SELECT count() FROM {Schema.QualifiedTracesTable}", "TabSeparated", cancellationToken).ConfigureAwait(false), 1);
        var parts = ParseLongs(
            await Client.QueryAsync(
                "SELECT sum(bytes_on_disk), sum(data_compressed_bytes), sum(data_uncompressed_bytes) FROM system.parts " +
                $"WHERE active AND database = '{Schema.Database}' AND table = '{TraceSchema.TracesTable}'",
                "TabSeparated",
                cancellationToken).ConfigureAwait(false),
            3);
        return new StorageStats(rows[0], parts[0], parts[1], parts[2]);
    }

    /// <summary>
    /// Drops the days of the three tables older than <see cref="ServerTraceSchema.TtlDays"/> (18.16 has no
    /// TTL clause, so retention is this call; <see cref="PartitionRetention"/> runs it periodically).
    /// Returns the partitions dropped as "table/partition_id".
    /// </summary>
    public async Task<IReadOnlyList<string>> DropExpiredPartitionsAsync(DateTime utcNow, CancellationToken cancellationToken)
    {
        var sql = Schema.ExpiredPartitionsSql(utcNow);
        if (sql.Length == 0)
        {
            return [];
        }
        var dropped = new List<string>();
        var listing = await Client.QueryAsync(sql, "TabSeparated", cancellationToken).ConfigureAwait(false);
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            await Client.ExecuteAsync(Schema.DropPartitionSql(fields[0], fields[1]), cancellationToken).ConfigureAwait(false);
            dropped.Add($"{fields[0]}/{fields[1]}");
        }
        return dropped;
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            Client.Dispose();
        }
    }

    private Task Insert(string insertSql, ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken)
    {
        if (rows == 0)
        {
            return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
        }
        return Client.InsertAsync(insertSql, "RowBinary", rowBinary, cancellationToken);
    }

    private long[] ParseLongs(string tabSeparated, int count)
    {
        var fields = tabSeparated.Trim().Split('\t');
        if (fields.Length != count)
        {
            throw new StorageException($"ClickHouse {Endpoint}: expected {count} values, got '{tabSeparated.Trim()}'.");
        }
        return Array.ConvertAll(fields, f => long.Parse(f, NumberStyles.Integer, CultureInfo.InvariantCulture));
    }
}
