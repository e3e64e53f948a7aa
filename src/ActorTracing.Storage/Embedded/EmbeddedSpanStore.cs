using System.Globalization;

namespace ActorTracing.Storage;

/// <summary>
/// Stores spans in the process's embedded ClickHouse (chDB) with one streaming RowBinary INSERT
/// per batch. Calls run synchronously on the calling thread (chDB has no async API, and the
/// engine serializes statements anyway); <see cref="StorageWriter"/> calls it off the stream's thread.
/// </summary>
public sealed class EmbeddedSpanStore : ISpanStore
{
    private readonly string _insertSql;
    private readonly string _summaryInsertSql;

    public EmbeddedSpanStore(ChdbEngine engine, TraceSchema schema)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(schema);
        Engine = engine;
        Schema = schema;
        _insertSql = schema.InsertSql;
        _summaryInsertSql = schema.SummaryInsertSql;
    }

    public ChdbEngine Engine { get; }

    public TraceSchema Schema { get; }

    /// <summary>Opens the engine on the settings' data directory and creates the schema if missing.</summary>
    public static EmbeddedSpanStore Open(StorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return OpenOn(ChdbEngine.Open(settings.DataDirectory, settings.EmbeddedMergeThreads), settings);
    }

    private static EmbeddedSpanStore OpenOn(ChdbEngine engine, StorageSettings settings)
    {
        var schema = new TraceSchema(settings.Database, settings.TtlDays);
        schema.Apply(engine);
        return new EmbeddedSpanStore(engine, schema);
    }

    /// <summary>
    /// <see cref="Open"/> on a thread of its own, waited for at most
    /// <see cref="StorageSettings.EmbeddedOpenTimeout"/>. The engine's calls are native and cannot
    /// be cancelled; a start that waits without a bound is a node that is up but never ready. So
    /// past the bound this gives up on the thread (it stays blocked where it is) and fails,
    /// naming the statement the engine is running, or that none runs (the open waits for its turn
    /// or is in managed code).
    /// </summary>
    /// <exception cref="StorageException">The open did not finish in time, or failed.</exception>
    public static async Task<EmbeddedSpanStore> OpenAsync(StorageSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ChdbEngine? engine = null;
        var opening = Task.Factory.StartNew(
            () =>
            {
                engine = ChdbEngine.Open(settings.DataDirectory, settings.EmbeddedMergeThreads);
                return OpenOn(engine, settings);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            return await opening.WaitAsync(settings.EmbeddedOpenTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var stuck = Volatile.Read(ref engine) is not { } open
                ? $"still opening the engine at {settings.DataDirectory}"
                : open.Running is { } running
                    ? string.Create(CultureInfo.InvariantCulture, $"the engine has been running {running.Statement} for {running.Elapsed.TotalSeconds:0.#} s")
                    : "the engine runs no statement (the open is between statements or waiting for its turn)";
            throw new StorageException(
                $"the embedded engine did not open database {settings.Database} within {settings.EmbeddedOpenTimeout} " +
                $"(actortracing.storage.embedded-open-timeout): {stuck}. Start the node again; raise the timeout if the database is large.");
        }
    }

    public bool StoresSummaries => true;

    /// <summary>Its otel_traces has CompletionReason and <see cref="ClickHouseSpanReader"/> rebuilds summaries from it.</summary>
    public bool OmitsDerivableSummaries => true;

    public Task WriteAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken) =>
        Insert(_insertSql, rowBinary, rows, cancellationToken);

    public Task WriteSummariesAsync(ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken) =>
        Insert(_summaryInsertSql, rowBinary, rows, cancellationToken);

    /// <summary>Counted on the engine's thread (<see cref="ChdbEngine.RunAsync{T}"/>): a metrics scrape during an insert waits there, not on a pool thread.</summary>
    public Task<StorageStats> GetStatsAsync(CancellationToken cancellationToken) =>
        Engine.RunAsync(
            engine =>
            {
                var rows = ParseLongs(engine.Query($"SELECT count() FROM {Schema.QualifiedTracesTable}"), 1);
                var parts = ParseLongs(
                    engine.Query(
                        "SELECT sum(bytes_on_disk), sum(data_compressed_bytes), sum(data_uncompressed_bytes) FROM system.parts " +
                        $"WHERE active AND database = '{Schema.Database}' AND table = '{TraceSchema.TracesTable}'"),
                    3);
                return new StorageStats(rows[0], parts[0], parts[1], parts[2]);
            },
            cancellationToken);

    /// <summary>
    /// Merges every table of the database into one part per partition (OPTIMIZE FINAL), as the
    /// benchmark does before it measures bytes: fresh parts compress worse and each carries a fixed
    /// cost. Views (the trace-id lookup) hold no parts and are passed over.
    /// </summary>
    public void MergeAllTables()
    {
        var tables = Engine.Query($"SELECT name FROM system.tables WHERE database = '{Schema.Database}' AND engine LIKE '%MergeTree' ORDER BY name");
        foreach (var table in tables.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Engine.Execute($"OPTIMIZE TABLE `{Schema.Database}`.`{table}` FINAL");
        }
    }

    /// <summary>
    /// Bytes on disk of every other table of the database: what storing the spans costs beyond
    /// otel_traces (otel_trace_summaries; in a database created before the trace-id lookup became a
    /// view, also its table). Every table is counted rather than a list of names, so a table
    /// added later cannot be left out of the bytes a stored span is judged on.
    /// </summary>
    public long CompanionBytesOnDisk() =>
        ParseLongs(
            Engine.Query($"SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = '{Schema.Database}' AND table != '{TraceSchema.TracesTable}'"),
            1)[0];

    /// <summary>Inserts on the engine's thread (<see cref="ChdbEngine.RunAsync{T}"/>); <paramref name="rowBinary"/> must stay valid until the task completes.</summary>
    private Task Insert(string insertSql, ReadOnlyMemory<byte> rowBinary, int rows, CancellationToken cancellationToken) =>
        rows == 0 && !cancellationToken.IsCancellationRequested
            ? Task.CompletedTask
            : Engine.RunAsync(engine => engine.StreamInsert(insertSql, "RowBinary", rowBinary.Span), cancellationToken);

    private static long[] ParseLongs(string tabSeparated, int count)
    {
        var fields = tabSeparated.Trim().Split('\t');
        if (fields.Length != count)
        {
            throw new StorageException($"Expected {count} values from ClickHouse, got '{tabSeparated.Trim()}'.");
        }
        return Array.ConvertAll(fields, f => long.Parse(f, NumberStyles.Integer, CultureInfo.InvariantCulture));
    }
}
